//! The `martmaker` binary's command line.
#![allow(clippy::unwrap_used)]

#[test]
fn help_states_the_martmakers_own_exit_codes() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_martmaker"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8(output.stdout).unwrap();
    let codes = help.split_once("Exit codes:\n").unwrap().1;
    let listed: Vec<&str> = codes
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    // No 3: a build is never partial.
    assert_eq!(listed, ["0", "1", "2", "4", "130"], "{help}");
    assert!(!help.contains("partial"), "{help}");
    assert!(
        codes.contains("the previous marts stay published"),
        "{help}"
    );
}
