//! The dashboard at `GET /`: the marts as bar charts (inline SVG) with the same numbers in
//! tables, how fresh they are, and the build they come from. Rendered on the server by maud,
//! which escapes every value it splices (names, URLs and errors come from upstream); one
//! stylesheet at `/dashboard.css`; no script, and a Content-Security-Policy that forbids any.
//! Links only for `http`/`https` URLs. The marts are read on the reader's role in one
//! snapshot; the freshness and the launches' links on the martmaker's role (staging), like
//! `/readyz`.
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use db_models::entity::Entity;
use db_models::models::{
    BuildRun, BuildStatus, CheckResult, CheckStatus, PublicationByObject, PUBLICATION_KINDS,
};
use maud::{html, Markup, DOCTYPE};
use repository::dashboard::{self, LaunchLink, Overview};
use repository::marts::BuildChecks;
use repository::read;
use service::freshness::Freshness;
use service::http::{blocking, ApiError, Gate, NoQuery};

/// Objects per list: the launches, missions and rockets with the most publications.
pub const TOP: i64 = 20;

/// No script, no frame, nothing from elsewhere: only this server's stylesheet (the charts are
/// inline SVG drawn with classes from it, no `style` attributes).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const STYLESHEET: &str = include_str!("dashboard.css");

/// The kinds a launch can have (the stylesheet colours `k-<kind>`).
const LAUNCH_KINDS: &[&str] = PUBLICATION_KINDS.split_at(6).0;

/// What the page handler needs.
struct Pools {
    /// `greenadam_reader`: the marts.
    reader: Gate,
    /// The martmaker's role: staging's freshness and links.
    health: Gate,
    stale_after: Duration,
}

/// `GET /` and `GET /dashboard.css`.
pub fn routes(reader: Gate, health: Gate, stale_after: Duration) -> Router {
    let pools = Arc::new(Pools {
        reader,
        health,
        stale_after,
    });
    Router::new()
        .route("/", get(page))
        .route(
            "/dashboard.css",
            get(|_: NoQuery| async {
                (
                    [
                        (header::CONTENT_TYPE, "text/css; charset=utf-8"),
                        (header::CACHE_CONTROL, "no-cache"),
                    ],
                    STYLESHEET,
                )
            }),
        )
        .with_state(pools)
}

/// Everything one page shows.
struct View {
    overview: Overview,
    freshness: Freshness,
    links: Vec<LaunchLink>,
}

async fn page(_: NoQuery, State(pools): State<Arc<Pools>>) -> Result<Response, ApiError> {
    let view = blocking(move || {
        let overview = pools.reader.run(|conn| dashboard::overview(conn, TOP))?;
        let ids: Vec<String> = overview
            .launches
            .iter()
            .map(|launch| launch.object_id.clone())
            .collect();
        let (facts, links) = pools.health.run(|conn| {
            Ok((
                read::extract_freshness(conn)?,
                dashboard::launch_links(conn, &ids)?,
            ))
        })?;
        Ok(View {
            overview,
            freshness: Freshness::from_facts(facts, pools.stale_after),
            links,
        })
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        render(&view).into_string(),
    )
        .into_response())
}

fn render(view: &View) -> Markup {
    let overview = &view.overview;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "greenadam: publications about SpaceX launches, missions and rockets" }
                link rel="stylesheet" href="/dashboard.css";
            }
            body {
                header {
                    h1 { "Publications about SpaceX launches, missions and rockets" }
                    (status(overview, &view.freshness))
                }
                main {
                    // Marts built from a staging no extraction loaded are not a copy of anything.
                    @if overview.publication.is_empty() || view.freshness.last_extract.is_none() {
                        section #no-data .empty {
                            h2 { "No data yet" }
                            p { (no_data_reason(&view.freshness)) }
                        }
                    } @else {
                        (by_kind(overview))
                        (with_launches(overview, Entity::Rocket, "Rockets", &overview.rockets))
                        (with_launches(overview, Entity::Mission, "Missions", &overview.missions))
                        (top_launches(overview, &view.links))
                    }
                }
                footer {
                    p {
                        "The same data as JSON: "
                        a href="/marts/publication" { "/marts/publication" } ", "
                        a href="/marts/publication/launch" { "/marts/publication/launch" }
                        " (paged, any sort), "
                        a href="/openapi.json" { "/openapi.json" } "."
                    }
                }
            }
        }
    }
}

/// "As of build N …", the freshness, and a build that failed or runs after the published one.
fn status(overview: &Overview, freshness: &Freshness) -> Markup {
    let stale = freshness.stale_reason();
    html! {
        ul #status {
            li #as-of {
                @match &overview.published {
                    Some(build) => {
                        "As of build " strong { (build.id) }
                        @if let Some(mode) = &build.mode { " (" (mode) ")" }
                        @if let Some(run) = build.source_run_id { ", extract run " strong { (run) } }
                        @if let Some(at) = build.finished_at {
                            ", published " (time(at)) " (" (age(freshness.now, at)) " ago)"
                        }
                        "."
                    }
                    None => "No build published yet.",
                }
            }
            @match (&freshness.last_extract, stale) {
                (_, Some(reason)) => li #freshness .stale { "Staging is stale: " (reason) "." },
                (Some(last), None) => li #freshness .fresh {
                    "Staging is fresh: it matched the API " (age(freshness.now, last.current_at))
                    " ago (" (time(last.current_at)) "; stale after "
                    (humantime::format_duration(freshness.stale_after)) ")."
                },
                (None, None) => {},
            }
            @if let Some(build) = &overview.later_attempt {
                (later_attempt(build))
            }
            @if let Some(latest) = &overview.checks {
                (checks(latest))
            }
        }
    }
}

fn later_attempt(build: &BuildRun) -> Markup {
    html! {
        @if build.status == BuildStatus::Failed {
            li #build .failed {
                "Build " (build.id) " failed"
                @if let Some(at) = build.finished_at { " at " (time(at)) }
                @if let Some(error) = &build.error { ": " (error) }
                " The page shows the last successful build."
            }
        } @else {
            li #build { "Build " (build.id) " is " (build.status) " since " (time(build.started_at)) "." }
        }
    }
}

/// The latest finished build's data-quality checks: those that did not pass, each with its
/// message (none recorded: it failed before its checks, which the build line says).
fn checks(latest: &BuildChecks) -> Markup {
    let failing: Vec<&CheckResult> = latest.checks.iter().filter(|c| c.failing()).collect();
    let class = if failing.iter().any(|c| c.status == CheckStatus::Fail) {
        "failed"
    } else if failing.is_empty() {
        "fresh"
    } else {
        "warned"
    };
    html! {
        @if !latest.checks.is_empty() {
            li #checks class=(class) {
                "Data-quality checks of build " (latest.build.id) ": "
                @if failing.is_empty() {
                    "all " (latest.checks.len()) " passed."
                } @else {
                    (failing.len()) " of " (latest.checks.len()) " did not pass"
                    " (" a href="/marts/checks" { "/marts/checks" } "):"
                    ul {
                        @for check in &failing {
                            li class=(check.status) {
                                strong { (check.check_name) } " (" (check.severity) ", "
                                (check.status) "): " (check.message)
                            }
                        }
                    }
                }
            }
        }
    }
}

fn no_data_reason(freshness: &Freshness) -> String {
    match &freshness.last_extract {
        None => "No data yet: the first extraction has not loaded.".into(),
        Some(last) => format!(
            "No data yet: the extraction loaded at {}; the martmaker builds the marts on its next tick.",
            time(last.current_at)
        ),
    }
}

/// One bar of a chart: its label, its parts (a class of the stylesheet, what it counts, how
/// many) and what is written at its end.
struct Bar {
    label: String,
    parts: Vec<(String, &'static str, i64)>,
    note: String,
}

impl Bar {
    fn sum(&self) -> i64 {
        self.parts.iter().map(|(_, _, n)| n).sum()
    }
}

/// A horizontal bar chart: bars on one scale (the largest sum), or each stretched to the whole
/// width (`shares`: the parts of each bar compared, not the bars).
fn chart(id: &str, caption: &str, bars: &[Bar], shares: bool) -> Markup {
    const WIDTH: f64 = 960.0;
    const LABEL: f64 = 230.0;
    const NOTE: f64 = 120.0;
    const ROW: f64 = 26.0;
    const THICK: f64 = 18.0;
    let area = WIDTH - LABEL - NOTE;
    let largest = bars.iter().map(Bar::sum).max().unwrap_or(0);
    let height = ROW * bars.len() as f64 + 4.0;
    let px = |value: f64| format!("{value:.1}");
    html! {
        svg #(id) .chart role="img" aria-label=(caption) width=(WIDTH) height=(height)
            viewBox={"0 0 " (WIDTH) " " (height)} xmlns="http://www.w3.org/2000/svg" {
            title { (caption) }
            @for (row, bar) in bars.iter().enumerate() {
                @let y = px(2.0 + ROW * row as f64);
                @let baseline = px(2.0 + ROW * row as f64 + THICK - 4.0);
                @let scale = if shares { bar.sum() } else { largest };
                text .label x=(px(LABEL - 8.0)) y=(baseline) text-anchor="end" {
                    title { (bar.label) }
                    (shorten(&bar.label, 32))
                }
                @if scale == 0 {
                    rect .none x=(LABEL) y=(y) width=(area) height=(THICK) {}
                }
                @for (start, class, what, n) in stacked(&bar.parts) {
                    rect class=(class) x=(px(LABEL + area * start as f64 / scale as f64)) y=(y)
                        width=(px(area * n as f64 / scale as f64)) height=(THICK) {
                        title { (bar.label) ": " (n) " " (what) }
                    }
                }
                text .note x=(px(WIDTH - NOTE + 8.0)) y=(baseline) { (bar.note) }
            }
        }
    }
}

/// The non-empty parts, each with the sum of the parts before it.
fn stacked<'a>(parts: &'a [(String, &'static str, i64)]) -> Vec<(i64, &'a str, &'static str, i64)> {
    let mut start = 0;
    parts
        .iter()
        .filter(|(_, _, n)| *n > 0)
        .map(|(class, what, n)| {
            start += n;
            (start - n, class.as_str(), *what, *n)
        })
        .collect()
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// The colour key of `kinds`.
fn legend(kinds: &[&str]) -> Markup {
    html! {
        ul .legend {
            @for kind in kinds {
                li { span class={"swatch k-" (kind)} {} (kind) }
            }
        }
    }
}

/// The parts of a bar by kind: `counts` in the order of [`PUBLICATION_KINDS`], the first
/// `kinds` of them.
fn by_kinds(kinds: &[&'static str], counts: [i64; 8]) -> Vec<(String, &'static str, i64)> {
    kinds
        .iter()
        .zip(counts)
        .map(|(kind, n)| (format!("k-{kind}"), *kind, n))
        .collect()
}

/// `marts.publication`: one bar per entity, its kinds as shares; the table has every number.
fn by_kind(overview: &Overview) -> Markup {
    let bars: Vec<Bar> = overview
        .publication
        .iter()
        .map(|row| Bar {
            label: row.entity.clone(),
            parts: by_kinds(&PUBLICATION_KINDS, row.kind_counts()),
            note: format!("{} in all", row.total),
        })
        .collect();
    html! {
        section #by-kind {
            h2 { "Publications by entity and kind" }
            p .explain { "Each bar is one entity's publications, split by kind (shares of its total)." }
            (legend(&PUBLICATION_KINDS))
            (chart("chart-by-kind", "Publications of each entity by kind", &bars, true))
            table #publication {
                thead { tr {
                    th .text scope="col" { "entity" } th scope="col" { "objects" }
                    @for kind in PUBLICATION_KINDS { th scope="col" { (kind) } }
                    th scope="col" { "total" }
                } }
                tbody {
                    @for row in &overview.publication {
                        tr {
                            th scope="row" { (row.entity) }
                            td { (row.objects) }
                            @for n in row.kind_counts() { td { (n) } }
                            td { (row.total) }
                        }
                    }
                }
            }
        }
    }
}

/// How many objects of `entity` the marts hold (from `marts.publication`).
fn objects(overview: &Overview, entity: Entity) -> i64 {
    overview
        .publication
        .iter()
        .find(|row| row.entity == entity.as_str())
        .map_or(0, |row| row.objects)
}

/// A name to show: the object's, or its id when it has none.
fn display_name(row: &PublicationByObject) -> &str {
    row.name.as_deref().unwrap_or(&row.object_id)
}

/// Rockets or missions: their own publications and those of their launches.
fn with_launches(
    overview: &Overview,
    entity: Entity,
    title: &str,
    rows: &[PublicationByObject],
) -> Markup {
    let all = objects(overview, entity);
    let plural = format!("{entity}s");
    let bars: Vec<Bar> = rows
        .iter()
        .map(|row| {
            let through = row.launch_publications.unwrap_or(0);
            Bar {
                label: display_name(row).to_string(),
                parts: vec![
                    ("own".into(), "own", row.total),
                    ("through".into(), "through its launches", through),
                ],
                note: format!("{} + {}", row.total, through),
            }
        })
        .collect();
    html! {
        section #(plural) {
            h2 { (title) }
            @if rows.is_empty() {
                p .empty { "No " (plural) " in staging." }
            } @else {
                p .explain {
                    "Publications about each " (entity) " itself and about the launches that count towards it"
                    @if all > rows.len() as i64 { "; the " (rows.len()) " with the most of " (all) }
                    "."
                }
                ul .legend {
                    li { span .swatch.own {} "own" }
                    li { span .swatch.through {} "through its launches" }
                }
                (chart(&format!("chart-{plural}"), &format!("Publications per {entity}"), &bars, false))
                table #(format!("table-{plural}")) {
                    thead { tr {
                        th .text scope="col" { "name" } th .text scope="col" { "id" }
                        th scope="col" { "own" } th scope="col" { "launches" }
                        th scope="col" { "through launches" }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                th scope="row" { (display_name(row)) }
                                td .id { (row.object_id) }
                                td { (row.total) }
                                td { (row.launches.unwrap_or(0)) }
                                td { (row.launch_publications.unwrap_or(0)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The launches with the most publications, by kind, with their Wikipedia and article links.
fn top_launches(overview: &Overview, links: &[LaunchLink]) -> Markup {
    let all = objects(overview, Entity::Launch);
    let rows = &overview.launches;
    let bars: Vec<Bar> = rows
        .iter()
        .map(|row| Bar {
            label: display_name(row).to_string(),
            parts: by_kinds(LAUNCH_KINDS, row.kind_counts()),
            note: row.total.to_string(),
        })
        .collect();
    html! {
        section #launches {
            h2 { "Launches with the most publications" }
            @if rows.is_empty() {
                p .empty { "No launches in staging." }
            } @else {
                p .explain { "The " (rows.len()) " of " (all) " launches with the most publications." }
                (legend(LAUNCH_KINDS))
                (chart("chart-launches", "Publications of the launches with the most", &bars, false))
                table #table-launches {
                    thead { tr {
                        th .text scope="col" { "name" } th .text scope="col" { "id" }
                        @for kind in LAUNCH_KINDS { th scope="col" { (kind) } }
                        th scope="col" { "total" } th .text scope="col" { "links" }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                th scope="row" { (display_name(row)) }
                                td .id { (row.object_id) }
                                @for n in &row.kind_counts()[..LAUNCH_KINDS.len()] { td { (n) } }
                                td { (row.total) }
                                td .links { (launch_links(&row.object_id, links)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The launch's Wikipedia and article links, each only if it is an `http`/`https` URL.
fn launch_links(launch_id: &str, links: &[LaunchLink]) -> Markup {
    let label = |field: &str| {
        if field == "wikipedia" {
            "Wikipedia"
        } else {
            "article"
        }
    };
    html! {
        @for link in links.iter().filter(|l| l.launch_id == launch_id) {
            @if let Some(url) = web_url(&link.url) {
                a href=(url) rel="noopener noreferrer" { (label(&link.field)) } " "
            }
        }
    }
}

/// `raw` as a URL a link may point to: absolute `http` or `https` with a host, else `None`
/// (`javascript:`, `data:`, relative or garbled values are not links).
fn web_url(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    (matches!(url.scheme(), "http" | "https") && url.host().is_some()).then(|| url.into())
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `now - then`, in whole seconds, as `1h 5m 3s`.
fn age(now: DateTime<Utc>, then: DateTime<Utc>) -> String {
    let seconds = (now - then).num_seconds().max(0).unsigned_abs();
    humantime::format_duration(Duration::from_secs(seconds)).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_urls_become_links() {
        assert_eq!(
            web_url(" https://en.wikipedia.org/wiki/X ").as_deref(),
            Some("https://en.wikipedia.org/wiki/X")
        );
        assert_eq!(
            web_url("HTTP://example.com").as_deref(),
            Some("http://example.com/")
        );
        for refused in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "/relative",
            "ftp://example.com/",
            "https://",
            "",
        ] {
            assert_eq!(web_url(refused), None, "{refused}");
        }
    }

    #[test]
    fn long_labels_are_shortened() {
        assert_eq!(shorten("Falcon 9", 32), "Falcon 9");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
