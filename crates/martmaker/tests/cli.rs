//! The `martmaker` binary's command line.
#![allow(clippy::unwrap_used)]

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

#[test]
fn the_timer_loops_options_with_status_are_a_usage_error() {
    for options in [
        &["--once"][..],
        &["--full-refresh"],
        &["--once", "--full-refresh"],
    ] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_martmaker"))
            .args(options)
            .arg("status")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{options:?}: {stderr}");
        assert!(
            stderr.contains(&format!("{} cannot be used with status", options[0])),
            "{options:?}: {stderr}"
        );
    }
}
