//! A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
//! text exposition format 0.0.4.
//!
//! Hand-written because the two services expose about a dozen series and update them a few
//! times an hour: a mutex per family is plenty, and a client crate would bring more code than
//! it saves. Families render in registration order, series in label order, so the output is
//! stable from one scrape to the next.
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// `Content-Type` of [`Registry::render`]'s output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metric families of one process.
#[derive(Clone, Default)]
pub struct Registry {
    families: Arc<Mutex<Vec<Arc<Family>>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    labels: &'static [&'static str],
    /// Upper bounds of a histogram's buckets, ascending, without `+Inf`.
    bounds: Vec<f64>,
    /// By label values, in the order of `labels`.
    series: Mutex<BTreeMap<Vec<String>, Series>>,
}

/// One series: a counter's or gauge's value, or a histogram's sum and bucket counts.
#[derive(Debug, Clone, Default)]
struct Series {
    value: f64,
    /// Histograms: observations per bucket (not cumulative), the last one for `+Inf`.
    buckets: Vec<u64>,
}

/// A poisoned lock only means another thread panicked mid-update of a number: keep serving.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Family {
    fn update(&self, labels: &[&str], change: impl FnOnce(&mut Series)) {
        debug_assert_eq!(labels.len(), self.labels.len(), "labels of {}", self.name);
        let key = labels.iter().map(|l| l.to_string()).collect();
        let mut series = lock(&self.series);
        let entry = series.entry(key).or_insert_with(|| Series {
            value: 0.0,
            buckets: vec![0; self.bounds.len() + 1],
        });
        change(entry);
    }

    fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, escape_help(self.help));
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind.as_str());
        for (values, series) in lock(&self.series).iter() {
            let pairs: Vec<(&str, String)> = self
                .labels
                .iter()
                .zip(values)
                .map(|(name, value)| (*name, escape_label(value)))
                .collect();
            if self.kind != Kind::Histogram {
                sample(out, self.name, "", &pairs, series.value);
                continue;
            }
            let mut cumulative = 0;
            let bounds = self.bounds.iter().map(|b| number(*b));
            for (bound, count) in bounds.chain(["+Inf".to_string()]).zip(&series.buckets) {
                cumulative += count;
                let mut with_le = pairs.clone();
                with_le.push(("le", bound));
                sample(out, self.name, "_bucket", &with_le, cumulative as f64);
            }
            sample(out, self.name, "_sum", &pairs, series.value);
            sample(out, self.name, "_count", &pairs, cumulative as f64);
        }
    }
}

/// `name{a="x",b="y"} value` (label values already escaped).
fn sample(out: &mut String, name: &str, suffix: &str, labels: &[(&str, String)], value: f64) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() {
        let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        let _ = write!(out, "{{{}}}", inner.join(","));
    }
    let _ = writeln!(out, " {}", number(value));
}

/// Prometheus spells the special floats `+Inf`, `-Inf` and `NaN`.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        value.to_string()
    }
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(text: &str) -> String {
    escape_help(text).replace('"', "\\\"")
}

impl Registry {
    /// A new, empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    fn register(
        &self,
        name: &'static str,
        help: &'static str,
        kind: Kind,
        labels: &'static [&'static str],
        bounds: &[f64],
    ) -> Arc<Family> {
        let family = Arc::new(Family {
            name,
            help,
            kind,
            labels,
            bounds: bounds.to_vec(),
            series: Mutex::new(BTreeMap::new()),
        });
        // Series without labels exist from the start: a counter reads 0 before its first event.
        if labels.is_empty() && kind != Kind::Gauge {
            family.update(&[], |_| {});
        }
        let mut families = lock(&self.families);
        debug_assert!(
            families.iter().all(|f| f.name != name),
            "{name} registered twice"
        );
        families.push(family.clone());
        family
    }

    /// A counter family with these label names.
    pub fn counter(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Counter {
        Counter(self.register(name, help, Kind::Counter, labels, &[]))
    }

    /// A gauge family with these label names. A gauge has no series until it is set: an
    /// unknown value (no build yet, database down) is absent rather than a misleading 0.
    pub fn gauge(
        &self,
        name: &'static str,
        help: &'static str,
        labels: &'static [&'static str],
    ) -> Gauge {
        Gauge(self.register(name, help, Kind::Gauge, labels, &[]))
    }

    /// A histogram without labels; `bounds` are the buckets' upper bounds, ascending.
    pub fn histogram(&self, name: &'static str, help: &'static str, bounds: &[f64]) -> Histogram {
        debug_assert!(bounds.windows(2).all(|w| w[0] < w[1]), "{name} bounds");
        Histogram(self.register(name, help, Kind::Histogram, &[], bounds))
    }

    /// Every family in the text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for family in lock(&self.families).iter() {
            family.render(&mut out);
        }
        out
    }
}

/// A monotonic count; one series per combination of label values.
#[derive(Clone)]
pub struct Counter(Arc<Family>);

impl Counter {
    /// Adds one.
    pub fn inc(&self, labels: &[&str]) {
        self.add(labels, 1.0);
    }

    /// Adds `amount` (0 makes the series visible without counting anything).
    pub fn add(&self, labels: &[&str], amount: f64) {
        debug_assert!(amount >= 0.0, "counters only go up");
        self.0.update(labels, |series| series.value += amount);
    }
}

/// A value that goes up and down.
#[derive(Clone)]
pub struct Gauge(Arc<Family>);

impl Gauge {
    /// Sets the value of one series.
    pub fn set(&self, labels: &[&str], value: f64) {
        self.0.update(labels, |series| series.value = value);
    }

    /// Sets the value, or removes the series when the value is unknown.
    pub fn set_or_clear(&self, labels: &[&str], value: Option<f64>) {
        match value {
            Some(value) => self.set(labels, value),
            None => {
                let key: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
                lock(&self.0.series).remove(&key);
            }
        }
    }
}

/// A distribution of observations in fixed buckets.
#[derive(Clone)]
pub struct Histogram(Arc<Family>);

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, value: f64) {
        let bucket = self.0.bounds.partition_point(|bound| *bound < value);
        self.0.update(&[], |series| {
            series.value += value;
            series.buckets[bucket] += 1;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_kind_in_the_text_format() {
        let registry = Registry::new();
        let runs = registry.counter("runs_total", "Runs by status.", &["status"]);
        let age = registry.gauge("age_seconds", "Age.\nSecond line \\ here.", &[]);
        let took = registry.histogram("took_seconds", "Durations.", &[0.1, 1.0]);
        runs.inc(&["ok"]);
        runs.add(&["a\"b\\c\nd"], 2.0);
        age.set(&[], 1.5);
        took.observe(0.1);
        took.observe(0.5);
        took.observe(7.0);
        assert_eq!(
            registry.render(),
            "# HELP runs_total Runs by status.
# TYPE runs_total counter
runs_total{status=\"a\\\"b\\\\c\\nd\"} 2
runs_total{status=\"ok\"} 1
# HELP age_seconds Age.\\nSecond line \\\\ here.
# TYPE age_seconds gauge
age_seconds 1.5
# HELP took_seconds Durations.
# TYPE took_seconds histogram
took_seconds_bucket{le=\"0.1\"} 1
took_seconds_bucket{le=\"1\"} 2
took_seconds_bucket{le=\"+Inf\"} 3
took_seconds_sum 7.6
took_seconds_count 3
"
        );
    }

    #[test]
    fn unknown_gauges_and_fresh_counters() {
        let registry = Registry::new();
        let total = registry.counter("events_total", "Events.", &[]);
        let age = registry.gauge("age_seconds", "Age.", &["mart"]);
        assert!(registry.render().contains("\nevents_total 0\n"));
        age.set_or_clear(&["publication"], Some(3.0));
        assert!(registry
            .render()
            .contains("age_seconds{mart=\"publication\"} 3\n"));
        age.set_or_clear(&["publication"], None);
        assert!(!registry.render().contains("age_seconds{"));
        total.inc(&[]);
        age.set(&["x"], f64::INFINITY);
        let text = registry.render();
        assert!(text.contains("\nevents_total 1\n"), "{text}");
        assert!(text.contains("age_seconds{mart=\"x\"} +Inf\n"), "{text}");
    }
}
