//! The chart of the report: seconds per phase against launches, both axes logarithmic, as a
//! hand-written SVG (a few lines and labels need no plotting library).
use std::fmt::Write;

use crate::measure::SizeResult;

const WIDTH: f64 = 780.0;
const HEIGHT: f64 = 470.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 250.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 55.0;

/// One line of the chart.
struct Series {
    name: &'static str,
    color: &'static str,
    /// A dash pattern for reference lines, `None` for measurements of the services.
    dash: Option<&'static str>,
    seconds: fn(&SizeResult) -> f64,
}

const SERIES: [Series; 8] = [
    Series {
        name: "extractor --once, full load",
        color: "#1f77b4",
        dash: None,
        seconds: |r| r.median.extract.wall_s,
    },
    Series {
        name: "staging write (publish)",
        color: "#ff7f0e",
        dash: None,
        seconds: |r| r.median.staging_load_s,
    },
    Series {
        name: "raw binary COPY, same rows",
        color: "#2ca02c",
        dash: Some("6 4"),
        seconds: |r| r.median.copy_s,
    },
    Series {
        name: "mart build, first (full)",
        color: "#d62728",
        dash: None,
        seconds: |r| r.median.mart_build_s,
    },
    Series {
        name: "mart rebuild, 1 % of launches changed",
        color: "#d62728",
        dash: Some("2 3"),
        seconds: |r| r.rebuild.median_s,
    },
    Series {
        name: "no-op extractor --once",
        color: "#9467bd",
        dash: None,
        seconds: |r| r.median.noop_extract.wall_s,
    },
    Series {
        name: "no-op martmaker --once",
        color: "#8c564b",
        dash: None,
        seconds: |r| r.median.noop_build.wall_s,
    },
    Series {
        name: "fake API alone, all pages",
        color: "#7f7f7f",
        dash: Some("2 3"),
        seconds: |r| r.fake.warm_s,
    },
];

/// The SVG document for `results` (sorted by size, not empty).
pub fn svg(results: &[SizeResult], repeats: usize) -> String {
    let sizes: Vec<f64> = results.iter().map(|r| r.launches as f64).collect();
    let times = results
        .iter()
        .flat_map(|r| SERIES.iter().map(move |s| (s.seconds)(r)))
        .filter(|t| t.is_finite() && *t > 0.0);
    let (low, high) = times.fold((f64::MAX, f64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
    let smallest = sizes.iter().copied().fold(f64::MAX, f64::min);
    let largest = sizes.iter().copied().fold(f64::MIN, f64::max);
    let x_axis = Axis::covering(smallest, largest, LEFT, WIDTH - RIGHT);
    let y_axis = Axis::covering(low, high, HEIGHT - BOTTOM, TOP);

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(
        out,
        r#"<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>"#
    );
    let _ = writeln!(
        out,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="14" font-weight="bold">Seconds per phase against data size (median of {repeats} runs)</text>"#,
        (LEFT + WIDTH - RIGHT) / 2.0
    );
    for decade in x_axis.decades() {
        let x = x_axis.position(decade);
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
            HEIGHT - BOTTOM,
            HEIGHT - BOTTOM + 18.0,
            label(decade)
        );
    }
    for decade in y_axis.decades() {
        let y = y_axis.position(decade);
        let _ = writeln!(
            out,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            label(decade)
        );
    }
    let _ = writeln!(
        out,
        r##"<rect x="{LEFT}" y="{TOP}" width="{:.1}" height="{:.1}" fill="none" stroke="#333"/>"##,
        WIDTH - RIGHT - LEFT,
        HEIGHT - BOTTOM - TOP
    );
    let _ = writeln!(
        out,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">launches (log scale)</text>"#,
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 14.0
    );
    let _ = writeln!(
        out,
        r#"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">seconds (log scale)</text>"#,
        (TOP + HEIGHT - BOTTOM) / 2.0
    );
    for (index, series) in SERIES.iter().enumerate() {
        let points: Vec<(f64, f64)> = results
            .iter()
            .map(|r| (r.launches as f64, (series.seconds)(r)))
            .filter(|(_, t)| t.is_finite() && *t > 0.0)
            .map(|(n, t)| (x_axis.position(n), y_axis.position(t)))
            .collect();
        let dash = series
            .dash
            .map_or(String::new(), |d| format!(r#" stroke-dasharray="{d}""#));
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = writeln!(
            out,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{dash}/>"#,
            path.join(" "),
            series.color
        );
        for (x, y) in &points {
            let _ = writeln!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{}"/>"#,
                series.color
            );
        }
        let legend_y = TOP + 10.0 + 22.0 * index as f64;
        let legend_x = WIDTH - RIGHT + 16.0;
        let _ = writeln!(
            out,
            r#"<line x1="{legend_x:.1}" y1="{legend_y:.1}" x2="{:.1}" y2="{legend_y:.1}" stroke="{}" stroke-width="2"{dash}/><text x="{:.1}" y="{:.1}">{}</text>"#,
            legend_x + 24.0,
            series.color,
            legend_x + 30.0,
            legend_y + 4.0,
            series.name
        );
    }
    out.push_str("</svg>\n");
    out
}

/// A logarithmic axis over whole decades, mapped onto pixels `from`..`to`.
struct Axis {
    low: i32,
    high: i32,
    from: f64,
    to: f64,
}

impl Axis {
    /// The decades around `min`..`max`.
    fn covering(min: f64, max: f64, from: f64, to: f64) -> Axis {
        let low = min.log10().floor() as i32;
        let high = (max.log10().ceil() as i32).max(low + 1);
        Axis {
            low,
            high,
            from,
            to,
        }
    }

    fn decades(&self) -> impl Iterator<Item = f64> {
        (self.low..=self.high).map(|power| 10f64.powi(power))
    }

    fn position(&self, value: f64) -> f64 {
        let share = (value.log10() - f64::from(self.low)) / f64::from(self.high - self.low);
        self.from + share * (self.to - self.from)
    }
}

/// A decade as a tick label: `0.001`, `1`, `1000`, `10 000`.
fn label(value: f64) -> String {
    let power = value.log10().round() as i32;
    if power < 0 {
        return format!("{value:.*}", usize::try_from(-power).unwrap_or(0));
    }
    let digits = format!("{value:.0}");
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 && digits.len() > 4 {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    grouped
}
