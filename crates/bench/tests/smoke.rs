//! The harness end to end on a small data set: what CI can afford of the benchmark (the real
//! one takes an hour; see the README).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// 100 launches, 10 missions, 4 rockets, pages of 30: paging takes ⌊n / 30⌋ + 1 requests per
/// entity (the last page is short), 4 + 1 + 1.
#[test]
fn a_small_run_pages_as_expected_and_its_noop_cycle_writes_no_data() {
    let work = tempfile::tempdir().unwrap();
    let json = work.path().join("results.json");
    let doc = work.path().join("benchmarks.md");
    std::fs::write(
        &doc,
        "# Benchmarks\n\n<!-- bench:begin -->\n<!-- bench:end -->\n\nEnd.\n",
    )
    .unwrap();
    let bench = Path::new(env!("CARGO_BIN_EXE_bench"));
    let output = Command::new(bench)
        .args([
            "--sizes",
            "100",
            "--repeats",
            "1",
            "--page-size",
            "30",
            "--load-wait",
            "0s",
        ])
        .arg("--bin-dir")
        .arg(bench.parent().unwrap())
        .arg("--work-dir")
        .arg(work.path())
        .arg("--json")
        .arg(&json)
        .arg("--doc")
        .arg(&doc)
        .arg("--chart")
        .arg(work.path().join("benchmarks.svg"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let results: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let size = &results["sizes"][0];
    assert_eq!(size["launches"], 100);
    assert_eq!(size["records"], 114);
    assert_eq!(size["expected_requests"], 6);
    assert_eq!(size["requests"], 6);
    assert_eq!(size["fake"]["requests"], 6);
    let counted = &size["counted"];
    assert_eq!(counted["noop_requests"], 6);
    assert_eq!(counted["noop_extract_writes"]["data_rows"], 0);
    assert_eq!(counted["noop_build_writes"]["data_rows"], 0);
    assert_eq!(counted["noop_build_writes"]["bookkeeping_rows"], 0);
    assert_eq!(
        counted["noop_extract_writes"]["bookkeeping_rows"], 0,
        "the heartbeat is not due right after a load"
    );
    // An idle tick of each service: one statement, its own transaction.
    for tick in ["noop_extract", "noop_build"] {
        assert_eq!(counted[tick]["round_trips"], 1, "{tick}");
        assert_eq!(counted[tick]["transactions"], 1, "{tick}");
    }
    assert!(counted["extract"]["round_trips"].as_u64().unwrap() > 0);
    assert!(size["median"]["extract"]["max_rss_kib"].as_u64().unwrap() > 0);
    assert!(size["staging_rows"].as_i64().unwrap() > 1000);
    // The dashboard was served (a page of some KiB) and timed once per request.
    let dashboard = &size["dashboard"];
    assert!(dashboard["bytes"].as_u64().unwrap() > 4096, "{dashboard}");
    assert_eq!(dashboard["samples_s"].as_array().unwrap().len(), 10);

    let doc = std::fs::read_to_string(&doc).unwrap();
    assert!(doc.starts_with("# Benchmarks\n\n<!-- bench:begin"), "{doc}");
    assert!(doc.ends_with("<!-- bench:end -->\n\nEnd.\n"), "{doc}");
    assert!(doc.contains("| 100 | 114 |"), "{doc}");
    assert!(doc.contains("### Dashboard: `GET /`"), "{doc}");
    assert!(doc.contains("![Seconds per phase against launches](benchmarks.svg)"));
    let svg = std::fs::read_to_string(work.path().join("benchmarks.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
}
