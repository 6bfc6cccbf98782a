//! The one duration grammar of `config.yaml`: one or more terms `<whole number><unit>`, units
//! `d`, `h`, `m`, `s`, `ms`, largest first, each at most once, optionally separated by spaces:
//! `90s`, `5m`, `1h 30m`, `1h30m`, `500ms`, `2d`. No words (`5 minutes`), no space between a
//! number and its unit, no fractions, no signs, no years.
use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// The units, largest first, with their length.
const UNITS: [(&str, Duration); 5] = [
    ("d", Duration::from_secs(86_400)),
    ("h", Duration::from_secs(3_600)),
    ("m", Duration::from_secs(60)),
    ("s", Duration::from_secs(1)),
    ("ms", Duration::from_millis(1)),
];

/// What the grammar says, for error messages.
const GRAMMAR: &str = "a duration like 90s, 5m, 1h 30m or 500ms (units d, h, m, s, ms)";

/// Parses `text` by the grammar above.
pub fn parse(text: &str) -> Result<Duration, String> {
    let refuse = || format!("`{}` is not {GRAMMAR}", crate::http::cut(text));
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(refuse());
    }
    let mut total = Duration::ZERO;
    // Index into UNITS of the smallest unit used so far: the next term must be smaller.
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let number: u64 = rest[..digits].parse().map_err(|_| refuse())?;
        rest = &rest[digits..];
        let unit_len = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = &rest[..unit_len];
        rest = rest[unit_len..].trim_start_matches(' ');
        let index = UNITS[next_unit..]
            .iter()
            .position(|(name, _)| *name == unit)
            .map(|i| i + next_unit)
            .ok_or_else(refuse)?;
        next_unit = index + 1;
        let term = u32::try_from(number)
            .ok()
            .and_then(|n| UNITS[index].1.checked_mul(n))
            .ok_or_else(refuse)?;
        total = total.checked_add(term).ok_or_else(refuse)?;
    }
    Ok(total)
}

/// `duration` written in the grammar (`1h 30m`, `500ms`, `0s`): what error messages and
/// logs show, so that a value can be copied back into the file.
pub fn format(duration: Duration) -> String {
    let mut left = duration;
    let mut terms = Vec::new();
    for (name, length) in UNITS {
        let count = left.as_nanos() / length.as_nanos();
        if count > 0 {
            terms.push(format!("{count}{name}"));
            left -= length * u32::try_from(count).unwrap_or(u32::MAX);
        }
    }
    if terms.is_empty() {
        "0s".into()
    } else {
        terms.join(" ")
    }
}

/// For `#[serde(deserialize_with = "…")]`: a YAML string in the grammar.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar_accepts_terms_largest_first() {
        let ms = Duration::from_millis;
        for (text, expected) in [
            ("90s", ms(90_000)),
            ("5m", ms(300_000)),
            ("1h 30m", ms(5_400_000)),
            ("1h30m", ms(5_400_000)),
            ("500ms", ms(500)),
            ("2d", ms(172_800_000)),
            ("1d 2h 3m 4s 5ms", ms(93_784_005)),
            ("0s", ms(0)),
            (" 10s ", ms(10_000)),
        ] {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn the_grammar_refuses_everything_else() {
        for text in [
            "",
            "5",
            "5 minutes",
            "5 mins",
            "5min",
            "1y",
            "5 m",
            "1.5h",
            "-5s",
            "+5s",
            "30m 1h",
            "1m 1m",
            "ms",
            "5ms 1s",
            "10S",
            "1h, 30m",
            "99999999999d",
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.contains("is not a duration like"), "{text}: {error}");
        }
    }

    #[test]
    fn formatting_round_trips() {
        for text in ["1h 30m", "500ms", "7d", "1d 2h 3m 4s 5ms", "0s"] {
            assert_eq!(format(parse(text).expect("valid")), text);
        }
    }
}
