//! A `/metrics` answer as tests read it: each series by its exact text as `prometheus-client`
//! writes it, `name{label="value",…}` with the labels in their label set's field order.

/// One scrape.
#[derive(Debug)]
pub struct Scrape(String);

impl Scrape {
    /// Takes the text; panics unless every sample line is a series and a number.
    pub fn new(text: &str) -> Scrape {
        for line in text.lines().filter(|line| !line.starts_with('#')) {
            let value = line.rsplit_once(' ').map(|(_, value)| value.parse::<f64>());
            assert!(matches!(value, Some(Ok(_))), "not a sample: {line:?}");
        }
        Scrape(text.to_string())
    }

    /// The value of a series; panics with the whole scrape when it is absent.
    pub fn value(&self, series: &str) -> f64 {
        self.find(series)
            .unwrap_or_else(|| panic!("no series {series} in\n{}", self.0))
    }

    /// Whether the series is present.
    pub fn has(&self, series: &str) -> bool {
        self.find(series).is_some()
    }

    fn find(&self, series: &str) -> Option<f64> {
        let mut lines = self.0.lines();
        lines.find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }
}
