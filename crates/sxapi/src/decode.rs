//! Turning a response body into records: pure functions (no I/O), so they can be fuzzed.
//!
//! Upstream text is untrusted. Two kinds of broken text would make the whole body unparsable
//! and fail every record of the page with it: bytes that are not UTF-8, and `\uD8xx`-style
//! escapes that are lone UTF-16 surrogates. [`mark_invalid_text`] replaces each of them with
//! [`INVALID_TEXT`] instead, so the page parses and only the records carrying the marker are
//! refused (the extractor rejects them with a reason).
use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::{Error, Record, Result};

/// Stands in for invalid text. U+FFFF is a Unicode noncharacter: it never occurs in real text.
pub const INVALID_TEXT: char = '\u{FFFF}';
const INVALID_TEXT_ESCAPE: &[u8] = b"\\uFFFF";

/// The top level of a GraphQL response; both members may be absent or `null`.
#[derive(Deserialize)]
struct Envelope {
    data: Option<Value>,
    errors: Option<Vec<cynic::GraphQlError>>,
}

/// Parses a 200 response body: its `data`, or the error it carries.
pub fn response_data(body: &[u8]) -> Result<Value> {
    // Not `cynic::GraphQlResponse`: it refuses a body with neither `data` nor `errors`
    // (e.g. `{"data": null}`) as a JSON error, which is transient, so such a well-formed
    // answer would be retried and end as `Error::Json` instead of `Error::NoData`.
    let response: Envelope =
        serde_json::from_slice(&mark_invalid_text(body)).map_err(Error::Json)?;
    if let Some(errors) = response.errors.filter(|e| !e.is_empty()) {
        return Err(Error::GraphQl(collapse_messages(
            errors.iter().map(|e| e.message.as_str()),
        )));
    }
    Ok(response.data.unwrap_or(Value::Null))
}

/// Distinct messages listed in full, at most; the rest are counted.
const MAX_DISTINCT_MESSAGES: usize = 5;

/// GraphQL error messages as one short text: each distinct message once, in order of first
/// appearance, with its count when it came more than once (`Request failed (205×)`). A broken
/// resolver inside a list errs once per record: hundreds of copies of one message.
fn collapse_messages<'m>(messages: impl Iterator<Item = &'m str>) -> String {
    let mut counted: Vec<(&str, usize)> = Vec::new();
    for message in messages {
        match counted.iter_mut().find(|(seen, _)| *seen == message) {
            Some((_, count)) => *count += 1,
            None => counted.push((message, 1)),
        }
    }
    let mut parts: Vec<String> = counted
        .iter()
        .take(MAX_DISTINCT_MESSAGES)
        .map(|(message, count)| match count {
            1 => message.to_string(),
            n => format!("{message} ({n}×)"),
        })
        .collect();
    if counted.len() > MAX_DISTINCT_MESSAGES {
        let rest: usize = counted[MAX_DISTINCT_MESSAGES..]
            .iter()
            .map(|(_, n)| n)
            .sum();
        parts.push(format!(
            "{rest} more of {} other messages",
            counted.len() - MAX_DISTINCT_MESSAGES
        ));
    }
    parts.join("; ")
}

/// One decoded page of a list field.
#[derive(Debug)]
pub struct Page<T> {
    /// Decoded records, in server order.
    pub records: Vec<Record<T>>,
    /// Positions (offset-based) of `null` list elements.
    pub null_positions: Vec<usize>,
    /// The raw list, to detect a server that repeats pages.
    pub raw: Vec<Value>,
}

/// `data.<field>` as a list of `T`, positions counted from `offset`. `data: null` or a
/// missing/null field is an error, not "no records"; so is a record of the wrong type.
pub fn page<T: DeserializeOwned>(
    data: Value,
    field: &'static str,
    offset: usize,
) -> Result<Page<T>> {
    let raw = take_list(data, field)?;
    let mut records = Vec::with_capacity(raw.len());
    let mut null_positions = Vec::new();
    for (index, value) in raw.iter().enumerate() {
        if value.is_null() {
            null_positions.push(offset + index);
            continue;
        }
        let decoded = T::deserialize(value).map_err(|source| Error::Decode {
            field,
            index: offset + index,
            source,
        })?;
        records.push(Record {
            value: decoded,
            raw: value.clone(),
        });
    }
    Ok(Page {
        records,
        null_positions,
        raw,
    })
}

/// `data.<field>` as one `T` (single-object fields such as `company`).
pub fn object<T: DeserializeOwned>(data: Value, field: &'static str) -> Result<Record<T>> {
    let raw = match data {
        Value::Object(mut map) => map.remove(field).unwrap_or(Value::Null),
        _ => Value::Null,
    };
    if raw.is_null() {
        return Err(Error::NoData(field));
    }
    let value = T::deserialize(&raw).map_err(|source| Error::Decode {
        field,
        index: 0,
        source,
    })?;
    Ok(Record { value, raw })
}

fn take_list(data: Value, field: &'static str) -> Result<Vec<Value>> {
    match data {
        Value::Object(mut map) => match map.remove(field) {
            Some(Value::Array(list)) => Ok(list),
            Some(Value::Null) | None => Err(Error::NoData(field)),
            Some(other) => Err(Error::Decode {
                field,
                index: 0,
                source: serde::de::Error::custom(format!("expected a list, got {other}")),
            }),
        },
        _ => Err(Error::NoData(field)),
    }
}

/// The body with invalid UTF-8 byte sequences and lone surrogate escapes replaced by
/// [`INVALID_TEXT`]; borrowed unchanged (no copy) when there is neither.
pub fn mark_invalid_text(body: &[u8]) -> Cow<'_, [u8]> {
    let utf8 = match std::str::from_utf8(body) {
        Ok(_) => Cow::Borrowed(body),
        Err(_) => {
            let mut fixed = Vec::with_capacity(body.len());
            for chunk in body.utf8_chunks() {
                fixed.extend_from_slice(chunk.valid().as_bytes());
                if !chunk.invalid().is_empty() {
                    let mut buf = [0; 4];
                    fixed.extend_from_slice(INVALID_TEXT.encode_utf8(&mut buf).as_bytes());
                }
            }
            Cow::Owned(fixed)
        }
    };
    match lone_surrogates(&utf8) {
        spans if spans.is_empty() => utf8,
        spans => {
            let mut fixed = Vec::with_capacity(utf8.len());
            let mut from = 0;
            for start in spans {
                fixed.extend_from_slice(&utf8[from..start]);
                fixed.extend_from_slice(INVALID_TEXT_ESCAPE);
                from = start + 6;
            }
            fixed.extend_from_slice(&utf8[from..]);
            Cow::Owned(fixed)
        }
    }
}

/// Start offsets of `\uXXXX` escapes that are lone surrogates (a high one not followed by a
/// low one, or a low one on its own). Other escapes, `\\` included, are stepped over.
fn lone_surrogates(text: &[u8]) -> Vec<usize> {
    let hex = |at: usize| -> Option<u16> {
        let digits = text.get(at..at + 4)?;
        u16::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    };
    let unicode_escape = |at: usize| -> Option<u16> {
        (text.get(at) == Some(&b'\\') && text.get(at + 1) == Some(&b'u'))
            .then(|| hex(at + 2))
            .flatten()
    };
    let mut lone = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' {
            i += 1;
            continue;
        }
        match unicode_escape(i) {
            Some(0xD800..=0xDBFF) => {
                if matches!(unicode_escape(i + 6), Some(0xDC00..=0xDFFF)) {
                    i += 12; // a proper pair
                } else {
                    lone.push(i);
                    i += 6;
                }
            }
            Some(0xDC00..=0xDFFF) => {
                lone.push(i);
                i += 6;
            }
            Some(_) => i += 6,
            None => i += 2, // `\\`, `\"`, `\n`, … (or a malformed escape serde will report)
        }
    }
    lone
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_errors_are_collapsed_by_message_with_a_count() {
        let mut errors: Vec<serde_json::Value> = (0..205)
            .map(|i| serde_json::json!({"message": "Request failed with status code 404", "path": ["launches", i, "ships"]}))
            .collect();
        errors.insert(3, serde_json::json!({"message": "other"}));
        let body = serde_json::json!({"data": {"launches": []}, "errors": errors}).to_string();
        match response_data(body.as_bytes()) {
            Err(Error::GraphQl(message)) => {
                assert_eq!(message, "Request failed with status code 404 (205×); other")
            }
            other => panic!("{other:?}"),
        }
        let many = (0..8).map(|i| format!("m{i}")).collect::<Vec<_>>();
        assert_eq!(
            collapse_messages(many.iter().map(String::as_str).chain(["m7", "m0"])),
            "m0 (2×); m1; m2; m3; m4; 4 more of 3 other messages"
        );
    }

    fn marked(body: &[u8]) -> String {
        String::from_utf8(mark_invalid_text(body).into_owned()).unwrap()
    }

    #[test]
    fn valid_text_is_borrowed_unchanged() {
        let body = br#"{"a": "caf\u00e9 \ud83d\ude80 \\ud800 \" ok"}"#;
        assert!(matches!(mark_invalid_text(body), Cow::Borrowed(_)));
    }

    #[test]
    fn lone_surrogates_become_the_marker() {
        assert_eq!(marked(br#"["\ud800x"]"#), r#"["\uFFFFx"]"#);
        assert_eq!(marked(br#"["\uDC00"]"#), r#"["\uFFFF"]"#);
        assert_eq!(marked(br#"["\ud800\u0041"]"#), r#"["\uFFFF\u0041"]"#);
        let value: Value = serde_json::from_str(&marked(br#"["a\ud800b"]"#)).unwrap();
        assert_eq!(value[0], format!("a{INVALID_TEXT}b"));
    }

    #[test]
    fn invalid_utf8_becomes_the_marker() {
        let value: Value = serde_json::from_slice(&mark_invalid_text(b"[\"a\xffb\"]")).unwrap();
        assert_eq!(value[0], format!("a{INVALID_TEXT}b"));
    }
}
