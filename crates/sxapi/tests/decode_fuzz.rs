//! Property-based fuzzing of the response decoder (`sxapi::decode`): whatever bytes the
//! upstream sends, decoding returns records or an error and never panics; invalid text only
//! ever affects the records that carry it. Runs in CI with proptest's default 256 cases per
//! property (`PROPTEST_CASES=100000 cargo nextest run -p sxapi -E 'binary(decode_fuzz)'` for a
//! longer session).
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use serde_json::{json, Value};
use sxapi::decode::{self, INVALID_TEXT};
use sxapi::records::{Date, LaunchLinks, LaunchRocket, RocketRef};
use sxapi::{Launch, Rocket};

/// Any JSON value, a few levels deep, biased towards the shapes of a launch.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_string()),
                    Just("mission_name".to_string()),
                    Just("links".to_string()),
                    Just("flickr_images".to_string()),
                    Just("rocket".to_string()),
                    "[a-z_]{1,12}".prop_map(String::from),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A plausible launch record (the fields not set here, `null`).
fn launch(id: u32, name: &str) -> Value {
    let text = |value: &str| Some(value.to_string());
    let launch = Launch {
        id: Some(cynic::Id::new(id.to_string())),
        mission_name: text(name),
        mission_id: Some(vec![text("M1"), None]),
        launch_date_utc: Some(Date(json!("2020-11-16T00:27:00.000Z"))),
        launch_date_local: Some(Date(json!("2020-11-15T19:27:00-05:00"))),
        launch_date_unix: Some(Date(json!(1_605_486_420))),
        launch_year: text("2020"),
        upcoming: Some(false),
        is_tentative: Some(false),
        rocket: Some(LaunchRocket {
            rocket: Some(RocketRef {
                id: Some(cynic::Id::new("falcon9")),
            }),
            rocket_name: text("Falcon 9"),
            rocket_type: text("FT"),
        }),
        links: Some(LaunchLinks {
            flickr_images: Some(vec![text("https://a/1")]),
            wikipedia: text("https://w/1"),
            ..LaunchLinks::default()
        }),
        ..Launch::default()
    };
    serde_json::to_value(launch).unwrap()
}

fn body(records: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({"data": {"launches": records}})).unwrap()
}

/// Decodes a body the way the client does; `Err` is fine, a panic is the bug.
fn decode_launches(bytes: &[u8]) -> sxapi::Result<usize> {
    let data = decode::response_data(bytes)?;
    Ok(decode::page::<Launch>(data, "launches", 0)?.records.len())
}

proptest! {
    // Failures are reported with their minimal input; no regression files in the tree.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_launches(&bytes);
        let _ = decode::mark_invalid_text(&bytes);
    }

    #[test]
    fn arbitrary_json_records_never_panic(records in prop::collection::vec(any_json(), 0..5)) {
        let _ = decode_launches(&body(&records));
        let data = json!({"rockets": records});
        let _ = decode::page::<Rocket>(data, "rockets", 7);
    }

    #[test]
    fn corrupted_valid_pages_never_panic(
        cut in 0usize..2_000,
        flips in prop::collection::vec((0usize..2_000, any::<u8>()), 0..8),
    ) {
        let mut bytes = body(&[launch(1, "Crew-1"), launch(2, "Crew-2")]);
        for (at, byte) in flips {
            let len = bytes.len();
            bytes[at % len] = byte;
        }
        bytes.truncate(cut.min(bytes.len()));
        let _ = decode_launches(&bytes);
    }

    /// Invalid UTF-8 or a lone surrogate inside one record's string leaves the page decodable:
    /// every record decodes, and exactly the spoilt one carries the marker.
    #[test]
    fn invalid_text_spoils_only_its_record(
        spoilt in 0usize..3,
        garbage in prop_oneof![
            Just(b"\\ud800".to_vec()),
            Just(b"\\uDFFF".to_vec()),
            Just(b"\\ud83d\\u0041".to_vec()),
            // Continuation bytes without a lead byte, and bytes UTF-8 never uses: never valid.
            prop::collection::vec(prop_oneof![0x80u8..=0xbf, 0xf8u8..=0xff], 1..4),
        ],
    ) {
        let names = ["Alpha", "Bravo", "Charlie"];
        let records: Vec<Value> = (0..3u32).map(|i| launch(i, names[i as usize])).collect();
        let marker = format!("\"{}\"", names[spoilt]);
        let text = String::from_utf8(body(&records)).unwrap();
        let at = text.find(&marker).unwrap() + 2; // inside the string, after its first letter
        let mut bytes = text.as_bytes()[..at].to_vec();
        bytes.extend_from_slice(&garbage);
        bytes.extend_from_slice(&text.as_bytes()[at..]);

        let data = decode::response_data(&bytes).unwrap();
        let page = decode::page::<Launch>(data, "launches", 0).unwrap();
        prop_assert_eq!(page.records.len(), 3);
        for (i, record) in page.records.iter().enumerate() {
            let name = record.value.mission_name.clone().unwrap();
            prop_assert_eq!(name.contains(INVALID_TEXT), i == spoilt, "{}", name);
        }
    }
}
