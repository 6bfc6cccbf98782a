//! The dashboard at `/` in a real browser: the `martmaker` binary on a real Postgres, staged by
//! a real extraction from the local SpaceX server, the page loaded in headless Chromium, what
//! it shows read back from the DOM Chromium built (`--dump-dom`) and compared with the marts.
//! The screenshot in the README (`doc/dashboard.png`) comes from here: `UPDATE_DOCS=1 cargo
//! nextest run -p martmaker --test dashboard` rewrites it; otherwise it goes to a temporary
//! folder, so a test run never changes the tree.
//!
//! Chromium is Debian's `chromium` package (`.ci/run` installs it; `CHROMIUM` names another
//! binary). Without it the tests say so loudly and pass, except under CI (`CI` set), where
//! they fail.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use db_models::models::{BuildRun, Publication, PublicationByObject, PUBLICATION_KINDS};
use diesel::prelude::*;
use scraper::{ElementRef, Html, Selector};
use service::Outcome;
use spacex_fake::Dataset;
use support::Binary;
use testbed::{eventually, Stack};

/// Headless Chromium, if this machine has it.
struct Chromium {
    program: PathBuf,
}

impl Chromium {
    /// The browser; `None` (after a loud message) when it is missing outside CI.
    fn find() -> Option<Chromium> {
        let named = std::env::var_os("CHROMIUM").map(PathBuf::from);
        let found = named.or_else(|| {
            ["chromium", "chromium-browser"].iter().find_map(|name| {
                std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                    .map(|dir| dir.join(name))
                    .find(|path| path.is_file())
            })
        });
        match found {
            Some(program) => Some(Chromium { program }),
            None if std::env::var_os("CI").is_some() => {
                panic!("Chromium is missing under CI: .ci/run installs Debian's `chromium`")
            }
            None => {
                eprintln!(
                    "\n!!!!! SKIPPED: no Chromium (install Debian's `chromium`, or set CHROMIUM): \
                     the dashboard was NOT tested in a browser !!!!!\n"
                );
                None
            }
        }
    }

    /// Runs the browser on `url` with `args` (`--dump-dom`, `--screenshot=…`) in a fresh
    /// profile, offline of everything but `url`; its standard output.
    fn run(&self, url: &str, args: &[&str]) -> String {
        let profile = tempfile::tempdir().unwrap();
        let mut child = Command::new(&self.program)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(args)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("Chromium did not finish within 60 s: {args:?} {url}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "Chromium {args:?}: {output:?}");
        String::from_utf8(output.stdout).unwrap()
    }

    /// The DOM of `url` after Chromium parsed it.
    fn dom(&self, url: &str) -> Html {
        Html::parse_document(&self.run(url, &["--dump-dom"]))
    }
}

fn select<'a>(dom: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    dom.select(&Selector::parse(css).unwrap()).collect()
}

fn text(element: &ElementRef<'_>) -> String {
    element.text().collect::<String>().trim().to_string()
}

/// The rows of the table `css` as cell texts (header and data cells alike), header row first.
fn table(dom: &Html, css: &str) -> Vec<Vec<String>> {
    select(dom, &format!("{css} tr"))
        .iter()
        .map(|row| {
            row.select(&Selector::parse("th, td").unwrap())
                .map(|cell| text(&cell))
                .collect()
        })
        .collect()
}

/// The tooltips of the bars of the chart `css` (`<label>: <n> <what>`).
fn bar_titles(dom: &Html, css: &str) -> Vec<String> {
    select(dom, &format!("{css} rect > title"))
        .iter()
        .map(text)
        .collect()
}

fn marts(stack: &Stack) -> (Vec<Publication>, Vec<PublicationByObject>, BuildRun) {
    let mut conn = stack.conn();
    let build = repository::marts::last_successful_build(&mut conn)
        .unwrap()
        .unwrap();
    (
        repository::marts::publication(&mut conn).unwrap(),
        repository::marts::publication_by_object(&mut conn, None).unwrap(),
        build,
    )
}

/// `rows` of `entity`, most publications first (`with_launches`: own and the launches'
/// together), ties by id: the order of the page's lists.
fn ranked(
    rows: &[PublicationByObject],
    entity: &str,
    with_launches: bool,
) -> Vec<PublicationByObject> {
    let mut of: Vec<PublicationByObject> = rows
        .iter()
        .filter(|r| r.entity == entity)
        .cloned()
        .collect();
    let measure = |r: &PublicationByObject| {
        r.total
            + if with_launches {
                r.launch_publications.unwrap_or(0)
            } else {
                0
            }
    };
    of.sort_by(|a, b| {
        measure(b)
            .cmp(&measure(a))
            .then(a.object_id.cmp(&b.object_id))
    });
    of.truncate(20);
    of
}

fn name(row: &PublicationByObject) -> String {
    row.name.clone().unwrap_or_else(|| row.object_id.clone())
}

/// The first extraction has not loaded: the page says so. Then it has, the marts are built, and
/// every number the page shows, in the tables and in the bars, is the marts'.
#[test]
fn the_dashboard_shows_the_marts_in_a_browser() {
    let Some(chromium) = Chromium::find() else {
        return;
    };
    let stack = Stack::new(Dataset::fixture("original").unwrap());
    let binary = Binary::start_every(&stack, "1s");
    let page = format!("{}/", binary.base);

    let empty = chromium.dom(&page);
    assert_eq!(
        select(&empty, "#no-data p")
            .iter()
            .map(text)
            .collect::<Vec<_>>(),
        ["No data yet: the first extraction has not loaded."]
    );
    assert!(select(&empty, "table, svg").is_empty());

    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert!(
        eventually(Duration::from_secs(20), || {
            let last = repository::marts::last_successful_build(&mut stack.conn()).unwrap();
            last.is_some_and(|build| build.source_run_id.is_some())
        }),
        "built from the extraction: {:?}",
        binary.get("/readyz")
    );
    let (publication, objects, build) = marts(&stack);
    let dom = chromium.dom(&page);

    // As of which build, extract run, time; fresh.
    let as_of = text(&select(&dom, "#as-of")[0]);
    let published = build.finished_at.unwrap().format("%Y-%m-%d %H:%M:%S UTC");
    assert!(
        as_of.starts_with(&format!(
            "As of build {} ({}), extract run {}, published {published} (",
            build.id,
            build.mode.unwrap().as_str(),
            build.source_run_id.unwrap()
        )),
        "{as_of}"
    );
    assert!(
        text(&select(&dom, "#freshness.fresh")[0]).starts_with("Staging is fresh"),
        "{}",
        dom.html()
    );
    // The build's data-quality checks that did not pass, as marts.check_result has them: the
    // fixture's launches list missions it does not serve, a warning.
    let latest = repository::marts::latest_checks(&mut stack.conn())
        .unwrap()
        .unwrap();
    assert_eq!(latest.build.id, build.id);
    let failing: Vec<String> = latest
        .checks
        .iter()
        .filter(|check| check.failing())
        .map(|c| {
            format!(
                "{} ({}, {}): {}",
                c.check_name, c.severity, c.status, c.message
            )
        })
        .collect();
    assert!(!failing.is_empty(), "{latest:?}");
    assert_eq!(
        select(&dom, "#checks li")
            .iter()
            .map(text)
            .collect::<Vec<_>>(),
        failing
    );
    assert!(
        text(&select(&dom, "#checks.warned")[0]).starts_with(&format!(
            "Data-quality checks of build {}: {} of {} did not pass (/marts/checks):",
            build.id,
            failing.len(),
            latest.checks.len()
        )),
        "{}",
        dom.html()
    );

    // marts.publication: the table, then the bars.
    let mut expected = vec![[&["entity", "objects"][..], &PUBLICATION_KINDS, &["total"]]
        .concat()
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()];
    let mut expected_bars = Vec::new();
    for row in &publication {
        let mut cells = vec![row.entity.clone(), row.objects.to_string()];
        cells.extend(row.kind_counts().iter().map(i64::to_string));
        cells.push(row.total.to_string());
        expected.push(cells);
        for (kind, n) in PUBLICATION_KINDS.iter().zip(row.kind_counts()) {
            if n > 0 {
                expected_bars.push(format!("{}: {n} {kind}", row.entity));
            }
        }
    }
    assert_eq!(publication.len(), 3);
    assert_eq!(table(&dom, "table#publication"), expected);
    assert_eq!(bar_titles(&dom, "#chart-by-kind"), expected_bars);

    // Rockets and missions: own publications and their launches'.
    for (entity, plural) in [("rocket", "rockets"), ("mission", "missions")] {
        let rows = ranked(&objects, entity, true);
        assert!(!rows.is_empty(), "the fixture has {plural}");
        let mut expected = vec![["name", "id", "own", "launches", "through launches"]
            .map(String::from)
            .to_vec()];
        let mut bars = Vec::new();
        for row in &rows {
            let through = row.launch_publications.unwrap_or(0);
            expected.push(vec![
                name(row),
                row.object_id.clone(),
                row.total.to_string(),
                row.launches.unwrap_or(0).to_string(),
                through.to_string(),
            ]);
            if row.total > 0 {
                bars.push(format!("{}: {} own", name(row), row.total));
            }
            if through > 0 {
                bars.push(format!("{}: {through} through its launches", name(row)));
            }
        }
        assert_eq!(table(&dom, &format!("table#table-{plural}")), expected);
        assert_eq!(bar_titles(&dom, &format!("#chart-{plural}")), bars);
    }

    // The launches with the most publications, by kind, with their links.
    let launches = ranked(&objects, "launch", false);
    let cells = table(&dom, "table#table-launches");
    assert_eq!(cells.len(), launches.len() + 1);
    let mut bars = Vec::new();
    for (row, shown) in launches.iter().zip(&cells[1..]) {
        let mut expected = vec![name(row), row.object_id.clone()];
        // A launch has the first six kinds.
        let by_kind = row.kind_counts()[..6].to_vec();
        expected.extend(by_kind.iter().map(i64::to_string));
        expected.push(row.total.to_string());
        assert_eq!(shown[..shown.len() - 1], expected[..]);
        for (kind, n) in PUBLICATION_KINDS.iter().zip(by_kind) {
            if n > 0 {
                bars.push(format!("{}: {n} {kind}", name(row)));
            }
        }
    }
    assert_eq!(bar_titles(&dom, "#chart-launches"), bars);
    let links: Vec<(String, String)> = select(&dom, "#table-launches tbody tr")
        .iter()
        .flat_map(|row| {
            let id = text(
                &row.select(&Selector::parse("td.id").unwrap())
                    .next()
                    .unwrap(),
            );
            row.select(&Selector::parse("td.links a").unwrap())
                .map(move |a| (id.clone(), a.value().attr("href").unwrap().to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    let staged: Vec<(String, String)> = {
        use db_models::schema::staging::launch_link;
        let ids: Vec<&str> = launches.iter().map(|l| l.object_id.as_str()).collect();
        launch_link::table
            .filter(launch_link::launch_id.eq_any(&ids))
            .filter(launch_link::field.eq_any(["wikipedia", "article_link"]))
            .select((launch_link::launch_id, launch_link::publication_url))
            .load::<(String, Option<String>)>(&mut stack.conn())
            .unwrap()
            .into_iter()
            .filter_map(|(id, url)| Some((id, url?)))
            .collect()
    };
    assert!(!staged.is_empty());
    let mut sorted = links.clone();
    sorted.sort();
    let mut staged_sorted = staged;
    staged_sorted.sort();
    assert_eq!(
        sorted, staged_sorted,
        "every Wikipedia and article link that is a web URL, no other"
    );

    screenshot(&chromium, &page);
    let (status, logged) = binary.stop();
    assert_eq!(status.code(), Some(0), "{logged:#?}");
}

/// The page as a picture: `doc/dashboard.png` under `UPDATE_DOCS=1`, else a temporary file
/// (and the README's copy must exist).
fn screenshot(chromium: &Chromium, page: &str) {
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../doc/dashboard.png");
    let scratch = tempfile::tempdir().unwrap();
    let path = if std::env::var_os("UPDATE_DOCS").is_some() {
        doc.clone()
    } else {
        scratch.path().join("dashboard.png")
    };
    chromium.run(
        page,
        &[
            &format!("--screenshot={}", path.display()),
            "--window-size=1100,1800",
        ],
    );
    let png = std::fs::read(&path).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000);
    assert!(
        doc.is_file(),
        "doc/dashboard.png is missing: UPDATE_DOCS=1 cargo nextest run -p martmaker --test dashboard"
    );
}

/// Names and URLs are the API's: a name that is markup stays text, a `javascript:` URL is
/// no link, and the page forbids scripts anyway.
#[test]
fn hostile_names_and_urls_stay_text() {
    let Some(chromium) = Chromium::find() else {
        return;
    };
    const SCRIPT: &str = "<script>alert(1)</script>";
    const IMAGE: &str = "<img src=x onerror=alert(2)>";
    let mut dataset = Dataset::fixture("original").unwrap();
    {
        let launch = &mut dataset.collection_mut("launches")[0];
        launch["mission_name"] = SCRIPT.into();
        launch["links"]["wikipedia"] = "javascript:alert(3)".into();
        launch["links"]["article_link"] = " JavaScript:alert(4)".into();
    }
    dataset.collection_mut("missions")[0]["name"] = IMAGE.into();
    let stack = Stack::new(dataset);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let binary = Binary::start(&stack);
    assert!(
        eventually(Duration::from_secs(20), || binary.get("/readyz").0 == 200),
        "built: {:?}",
        binary.get("/readyz")
    );

    let answer = binary.get_text("/");
    assert_eq!(answer.status, 200);
    let policy = answer.header("content-security-policy").unwrap();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(
        !policy.contains("script-src"),
        "no script source is allowed: {policy}"
    );
    assert!(!answer.body.contains(SCRIPT) && !answer.body.contains(IMAGE));

    let dom = chromium.dom(&format!("{}/", binary.base));
    assert!(select(&dom, "script, img, iframe, object, embed").is_empty());
    for element in select(&dom, "*") {
        for (attribute, _) in element.value().attrs() {
            assert!(
                !attribute.starts_with("on"),
                "{attribute} on {:?}",
                element.value()
            );
        }
    }
    for link in select(&dom, "a") {
        let href = link.value().attr("href").unwrap();
        assert!(
            href.starts_with("https://") || href.starts_with("http://") || href.starts_with('/'),
            "{href}"
        );
    }
    // Shown as the text they are, in the tables and the charts' labels.
    let launch_names: Vec<String> = select(&dom, "#table-launches tbody th")
        .iter()
        .map(text)
        .collect();
    assert!(
        launch_names.contains(&SCRIPT.to_string()),
        "{launch_names:?}"
    );
    let mission_names: Vec<String> = select(&dom, "#table-missions tbody th")
        .iter()
        .map(text)
        .collect();
    assert!(
        mission_names.contains(&IMAGE.to_string()),
        "{mission_names:?}"
    );
    let labels: Vec<String> = select(&dom, "svg text.label title")
        .iter()
        .map(text)
        .collect();
    assert!(labels.contains(&SCRIPT.to_string()) && labels.contains(&IMAGE.to_string()));
    // The launch keeps its other links' counts but has no link on the page.
    let row = select(&dom, "#table-launches tbody tr")
        .into_iter()
        .find(|row| text(&row.select(&Selector::parse("th").unwrap()).next().unwrap()) == SCRIPT)
        .unwrap();
    assert_eq!(row.select(&Selector::parse("a").unwrap()).count(), 0);
}
