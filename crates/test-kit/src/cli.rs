//! What a service binary says: its `--help`, and the lines of its log as they come.

/// Runs `program --help` (it must exit 0) and returns the whole text and the codes its
/// "Exit codes:" section lists, in order, with that section's text.
pub fn exit_codes(program: &str) -> (String, Vec<String>, String) {
    exit_codes_of(program, &["--help"])
}

/// The same for `program args` (e.g. `["status", "--help"]`, a subcommand's own codes).
pub fn exit_codes_of(program: &str, args: &[&str]) -> (String, Vec<String>, String) {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| panic!("cannot run {program} {args:?}: {error}"));
    assert_eq!(output.status.code(), Some(0), "{program} {args:?}");
    let help = String::from_utf8(output.stdout).expect("--help prints UTF-8");
    let section = help
        .split_once("Exit codes:\n")
        .unwrap_or_else(|| panic!("no \"Exit codes:\" section in {help}"))
        .1
        .to_string();
    let listed = section
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(String::from)
        .collect();
    (help, listed, section)
}

/// The lines `child` writes to its standard error (spawned with `Stdio::piped()`), as they
/// come, read by a thread that ends with the pipe.
pub fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead;
    let (lines, log) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().expect("stderr is piped");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    log
}
