//! What both services' metrics share on top of `prometheus-client`: the exposition (the
//! Prometheus text format 0.0.4, the one scrapers have always read here), label values spelled
//! by the enums' own `strum` names, and a gauge that is absent while its value is unknown.
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use prometheus_client::encoding::{
    prometheus_text, EncodeGaugeValue, EncodeLabelValue, EncodeMetric, LabelValueEncoder,
    MetricEncoder,
};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::{Metric, Registry};

pub use prometheus_text::CONTENT_TYPE;

/// Every metric of `registry` in the text format, as `GET /metrics` serves it.
pub fn render(registry: &Registry) -> String {
    let mut text = String::new();
    prometheus_text::encode(&mut text, registry).expect("writing to a String cannot fail");
    text
}

/// Registers `metric` (a counter's name without the `_total` the exposition adds) and gives it
/// back, so a service's metrics struct can be written as one literal.
pub fn register<M: Metric + Clone>(
    registry: &mut Registry,
    name: &str,
    help: &str,
    metric: M,
) -> M {
    registry.register(name, help, metric.clone());
    metric
}

/// Shows the series of each of `values` at 0 before its first event, so that a scrape lists
/// every value the label can take and `increase()` sees the first one.
pub fn at_zero<T: Copy, S>(
    family: &Family<S, Counter>,
    values: &[T],
    labels: impl Fn(Label<T>) -> S,
) where
    S: Clone + Hash + Eq,
{
    for value in values {
        family.get_or_create(&labels(Label(*value))).inc_by(0);
    }
}

/// A label value that is an enum's `strum` name (`Entity::LaunchShip` is `launch_ship`), the
/// same text the database, the config and the logs use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Label<T>(pub T);

impl<T: Copy + Into<&'static str>> EncodeLabelValue for Label<T> {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        std::fmt::Write::write_str(encoder, self.0.into())
    }
}

/// By the name, so the enums need not derive `Hash` (`Family` keys need it).
impl<T: Copy + Into<&'static str>> Hash for Label<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let name: &'static str = self.0.into();
        name.hash(state);
    }
}

/// A gauge without labels that is left out of the scrape while its value is unknown (no build
/// yet, database down) rather than showing a misleading 0.
#[derive(Debug, Clone, Default)]
pub struct OptionalGauge<T = f64>(Arc<Mutex<Option<T>>>);

impl<T> OptionalGauge<T> {
    /// Sets the value, `None` when unknown.
    pub fn set(&self, value: Option<T>) {
        // A poisoned lock only means another thread panicked mid-update of a number.
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = value;
    }
}

impl<T: EncodeGaugeValue + Copy + std::fmt::Debug + Send> EncodeMetric for OptionalGauge<T> {
    fn encode(&self, mut encoder: MetricEncoder) -> std::fmt::Result {
        match *self.0.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(value) => encoder.encode_gauge(&value),
            None => Ok(()),
        }
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Gauge
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::EncodeLabelSet;

    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Outcome {
        TimedOut,
    }

    impl From<Outcome> for &'static str {
        fn from(Outcome::TimedOut: Outcome) -> &'static str {
            "timed_out"
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
    struct Labels {
        outcome: Label<Outcome>,
    }

    #[test]
    fn labels_by_strum_name_and_unknown_gauges_left_out() {
        let mut registry = Registry::default();
        let events = Family::<Labels, Counter>::default();
        let age = OptionalGauge::default();
        registry.register("events", "Events by outcome", events.clone());
        registry.register("age_seconds", "Age", age.clone());
        events
            .get_or_create(&Labels {
                outcome: Label(Outcome::TimedOut),
            })
            .inc();
        assert_eq!(
            render(&registry),
            "# HELP events_total Events by outcome.
# TYPE events_total counter
events_total{outcome=\"timed_out\"} 1
# HELP age_seconds Age.
# TYPE age_seconds gauge
"
        );
        age.set(Some(1.5));
        assert!(render(&registry).ends_with("\nage_seconds 1.5\n"));
        age.set(None);
        assert!(render(&registry).ends_with("# TYPE age_seconds gauge\n"));
    }
}
