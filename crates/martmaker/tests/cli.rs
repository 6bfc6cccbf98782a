//! The `martmaker` binary's command line.

#[test]
fn help_states_the_martmakers_own_exit_codes() {
    let (help, listed, codes) = test_kit::cli::exit_codes(env!("CARGO_BIN_EXE_martmaker"));
    // No 3: a build is never partial.
    assert_eq!(listed, ["0", "1", "2", "4", "130"], "{help}");
    assert!(!help.contains("partial"), "{help}");
    assert!(
        codes.contains("the previous marts stay published"),
        "{help}"
    );
}
