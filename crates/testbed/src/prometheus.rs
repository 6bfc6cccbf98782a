//! A strict reader of the Prometheus text exposition format 0.0.4, for tests. It refuses what
//! a Prometheus server refuses, and more: a sample before its family's `# TYPE` line or outside
//! its family's block, a repeated series, a negative counter, histogram buckets that are not
//! cumulative or whose `+Inf` bucket differs from `_count`.

use std::collections::{BTreeMap, HashSet};

/// One scrape: family types by name, sample values by series.
#[derive(Debug, Default)]
pub struct Exposition {
    /// `counter`, `gauge`, `histogram`, … by family name.
    pub types: BTreeMap<String, String>,
    /// Values by series, written `name{a="x",b="y"}` with the labels sorted and unescaped
    /// (`name` alone without labels).
    pub samples: BTreeMap<String, f64>,
}

impl Exposition {
    /// The value of a series; panics with the whole scrape when it is absent.
    pub fn value(&self, series: &str) -> f64 {
        match self.samples.get(series) {
            Some(value) => *value,
            None => panic!("no series {series} in {:#?}", self.samples),
        }
    }

    /// Whether the series is present.
    pub fn has(&self, series: &str) -> bool {
        self.samples.contains_key(series)
    }
}

/// Parses a whole scrape or says which line is wrong and why.
pub fn parse(text: &str) -> Result<Exposition, String> {
    if !text.is_empty() && !text.ends_with('\n') {
        return Err("the exposition must end with a newline".into());
    }
    let mut exposition = Exposition::default();
    let mut helped = HashSet::new();
    let mut current: Option<String> = None;
    let mut closed = HashSet::new();
    // Histograms: (family, labels without le) -> [(le, cumulative count)], sum, count.
    let mut buckets: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    let mut counts: BTreeMap<(String, String), f64> = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let at = |message: String| format!("line {}: {message}: {line:?}", number + 1);
        if let Some(rest) = line.strip_prefix("# ") {
            let (keyword, rest) = rest
                .split_once(' ')
                .ok_or_else(|| at("bad comment".into()))?;
            let (name, rest) = rest.split_once(' ').unwrap_or((rest, ""));
            check_metric_name(name).map_err(at)?;
            if closed.contains(name) {
                return Err(at(format!("family {name} is split in two blocks")));
            }
            if current.as_deref() != Some(name) {
                if let Some(previous) = current.replace(name.to_string()) {
                    closed.insert(previous);
                }
            }
            match keyword {
                "HELP" => {
                    unescape(rest, false).map_err(at)?;
                    if !helped.insert(name.to_string()) {
                        return Err(at(format!("second HELP for {name}")));
                    }
                }
                "TYPE" => {
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(&rest) {
                        return Err(at(format!("unknown type {rest}")));
                    }
                    if exposition.types.contains_key(name) {
                        return Err(at(format!("second TYPE for {name}")));
                    }
                    if exposition
                        .samples
                        .keys()
                        .any(|s| family_of(s, rest) == name)
                    {
                        return Err(at(format!("TYPE of {name} after its samples")));
                    }
                    exposition.types.insert(name.to_string(), rest.to_string());
                }
                _ => return Err(at(format!("unexpected comment keyword {keyword}"))),
            }
            continue;
        }
        let (name, labels, value) = parse_sample(line).map_err(at)?;
        let family = current
            .clone()
            .ok_or_else(|| at("sample before any TYPE line".into()))?;
        let kind = exposition
            .types
            .get(&family)
            .cloned()
            .ok_or_else(|| at(format!("sample of {family} before its TYPE line")))?;
        if family_of(&name, &kind) != family {
            return Err(at(format!("sample {name} inside the block of {family}")));
        }
        if kind == "counter" && (value.is_nan() || value < 0.0) {
            return Err(at("a counter must be a number ≥ 0".into()));
        }
        let key = series_key(&name, &labels);
        if exposition.samples.insert(key.clone(), value).is_some() {
            return Err(at(format!("series {key} repeated")));
        }
        if kind == "histogram" {
            let mut others = labels.clone();
            let le = others.remove("le");
            let group = (family.clone(), series_key("", &others));
            match (name.strip_prefix(family.as_str()), le) {
                (Some("_bucket"), Some(le)) => {
                    let bound = parse_value(&le).map_err(at)?;
                    buckets.entry(group).or_default().push((bound, value));
                }
                (Some("_bucket"), None) => return Err(at("bucket without le".into())),
                (Some("_count"), None) => {
                    counts.insert(group, value);
                }
                (Some("_sum"), None) => {}
                _ => return Err(at("le on a histogram's _sum or _count".into())),
            }
        }
    }
    for (group, list) in &buckets {
        let ascending = list.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 <= w[1].1);
        let last = list.last().unwrap();
        if !ascending || last.0 != f64::INFINITY || counts.get(group) != Some(&last.1) {
            return Err(format!(
                "histogram {group:?}: buckets {list:?} are not cumulative up to +Inf = _count"
            ));
        }
    }
    Ok(exposition)
}

/// The family a sample belongs to: histograms and summaries add suffixes to their name.
fn family_of<'a>(sample: &'a str, kind: &str) -> &'a str {
    let name = sample.split('{').next().unwrap();
    if matches!(kind, "histogram" | "summary") {
        for suffix in ["_bucket", "_sum", "_count"] {
            if let Some(family) = name.strip_suffix(suffix) {
                return family;
            }
        }
    }
    name
}

fn check_metric_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(format!("bad metric name {name:?}"))
    }
}

fn series_key(name: &str, labels: &BTreeMap<String, String>) -> String {
    if labels.is_empty() {
        return name.to_string();
    }
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// `name{labels} value [timestamp]`.
fn parse_sample(line: &str) -> Result<(String, BTreeMap<String, String>, f64), String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| "a sample needs a value".to_string())?;
    let name = &line[..name_end];
    check_metric_name(name)?;
    let mut labels = BTreeMap::new();
    let mut rest = &line[name_end..];
    if let Some(mut inner) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = inner.strip_prefix('}') {
                rest = after;
                break;
            }
            let (label, after) = inner
                .split_once("=\"")
                .ok_or_else(|| "a label needs =\"value\"".to_string())?;
            let valid = label
                .chars()
                .enumerate()
                .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
            if label.is_empty() || !valid || label.starts_with("__") {
                return Err(format!("bad label name {label:?}"));
            }
            let (value, after) = quoted(after)?;
            if labels.insert(label.to_string(), value).is_some() {
                return Err(format!("label {label} repeated"));
            }
            inner = match after.strip_prefix(',') {
                Some(next) if !next.starts_with('}') => next,
                Some(_) => return Err("trailing comma in labels".into()),
                None if after.starts_with('}') => after,
                None => return Err("labels must be separated by commas".into()),
            };
        }
    }
    let fields: Vec<&str> = rest
        .strip_prefix(' ')
        .ok_or_else(|| "one space before the value".to_string())?
        .split(' ')
        .collect();
    let value = match fields.as_slice() {
        [value] => parse_value(value)?,
        [value, timestamp] => {
            timestamp
                .parse::<i64>()
                .map_err(|_| format!("bad timestamp {timestamp:?}"))?;
            parse_value(value)?
        }
        _ => return Err("expected `value [timestamp]`".into()),
    };
    Ok((name.to_string(), labels, value))
}

/// The escaped text up to the closing quote, unescaped, and what follows the quote.
fn quoted(text: &str) -> Result<(String, &str), String> {
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        match (escaped, c) {
            (false, '\\') => escaped = true,
            (false, '"') => return Ok((unescape(&text[..index], true)?, &text[index + 1..])),
            (false, '\n') => return Err("newline in a label value".into()),
            _ => escaped = false,
        }
    }
    Err("unterminated label value".into())
}

/// `\\` and `\n` (and `\"` in label values) are the only escapes.
fn unescape(text: &str, quotes: bool) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            other => return Err(format!("bad escape \\{other:?}")),
        }
    }
    Ok(out)
}

fn parse_value(text: &str) -> Result<f64, String> {
    match text {
        "+Inf" => Ok(f64::INFINITY),
        "-Inf" => Ok(f64::NEG_INFINITY),
        "NaN" => Ok(f64::NAN),
        _ => text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && !text.starts_with('+'))
            .ok_or_else(|| format!("bad value {text:?}")),
    }
}
