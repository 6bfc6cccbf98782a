//! Fixtures → extractor → martmaker → marts, through the project's local SpaceX server and a
//! real Postgres. Expected numbers are counted by hand (see crates/spacex-fake/fixtures/README.md).
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use cancel::CancelToken;
use db_models::models::{Publication, PublicationByObject};
use martmaker::Martmaker;
use repository::marts::{self, Refresh};
use service::{Job, Outcome};
use spacex_fake::Dataset;
use test_kit::logs::loud;
use testbed::Stack;

/// A martmaker working as its own database role, as the binary does.
fn martmaker(stack: &Stack) -> Martmaker {
    Martmaker::new(&stack.config, stack.database_for::<Martmaker>()).unwrap()
}

/// [objects, articles, wikipedia, presskits, videos, reddit, photos, websites, twitter, total]
fn numbers(p: &Publication) -> [i64; 10] {
    [
        p.objects,
        p.articles,
        p.wikipedia,
        p.presskits,
        p.videos,
        p.reddit,
        p.photos,
        p.websites,
        p.twitter,
        p.total,
    ]
}

fn publication(stack: &Stack) -> Vec<(String, [i64; 10])> {
    marts::publication(&mut stack.conn())
        .unwrap()
        .iter()
        .map(|p| (p.entity.clone(), numbers(p)))
        .collect()
}

fn by_object(stack: &Stack, entity: &str) -> HashMap<String, PublicationByObject> {
    marts::publication_by_object(&mut stack.conn(), Some(entity))
        .unwrap()
        .into_iter()
        .map(|o| (o.object_id.clone(), o))
        .collect()
}

fn s(x: &str) -> String {
    x.to_string()
}

#[test]
fn current_endpoint_marts_match_the_hand_count() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert!(matches!(
        martmaker(&stack).refresh().unwrap(),
        Refresh::Built {
            object_rows: 12,
            ..
        }
    ));

    assert_eq!(
        publication(&stack),
        vec![
            (s("launch"), [8, 5, 8, 3, 6, 7, 5, 0, 0, 34]),
            (s("mission"), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            (s("rocket"), [4, 0, 4, 0, 0, 0, 0, 0, 0, 4]),
        ]
    );
    let launches = by_object(&stack, "launch");
    let hand = [3, 3, 4, 9, 8, 4, 2, 1];
    for (n, total) in (1..=8).zip(hand) {
        assert_eq!(
            launches[&format!("60a1c3e5f7b9d2e4a6c8e0f{n}")].total,
            total,
            "launch …e0f{n}"
        );
    }
    // Rockets: each launch references its rocket; launch_publications sums those launches.
    let fixture = Dataset::fixture("current").unwrap();
    let mut expected: HashMap<String, (i64, i64)> = HashMap::new();
    for (launch, total) in fixture.collection("launches").unwrap().iter().zip(hand) {
        let rocket = launch["rocket"]["rocket"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let entry = expected.entry(rocket).or_default();
        entry.0 += 1;
        entry.1 += total;
    }
    for (id, rocket) in by_object(&stack, "rocket") {
        let (launches, publications) = expected.get(&id).copied().unwrap_or_default();
        assert_eq!(
            (rocket.total, rocket.launches, rocket.launch_publications),
            (1, Some(launches), Some(publications)),
            "rocket {id}"
        );
    }
}

#[test]
fn original_endpoint_marts_match_the_hand_count() {
    let stack = Stack::new(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert!(matches!(
        martmaker(&stack).refresh().unwrap(),
        Refresh::Built { .. }
    ));

    assert_eq!(
        publication(&stack),
        vec![
            (s("launch"), [7, 5, 7, 2, 6, 13, 8, 0, 0, 41]),
            (s("mission"), [4, 0, 4, 0, 0, 0, 0, 4, 3, 11]),
            (s("rocket"), [3, 0, 2, 0, 0, 0, 0, 0, 0, 2]),
        ]
    );
    let launch_totals: HashMap<&str, i64> = [
        ("110", 3),
        ("109", 8),
        ("108", 6),
        ("107", 10),
        ("103", 2),
        ("55", 9),
        ("1", 3),
    ]
    .into_iter()
    .collect();
    let launches = by_object(&stack, "launch");
    assert_eq!(launches.len(), launch_totals.len());
    for (id, total) in &launch_totals {
        assert_eq!(launches[*id].total, *total, "launch {id}");
        assert_eq!(
            (launches[*id].launches, launches[*id].launch_publications),
            (None, None)
        );
    }
    assert_eq!(
        launches["110"].name.as_deref(),
        Some("CRS-21"),
        "the first 110 is the one kept"
    );

    // Missions: own links by hand; launches through the kept launches' mission_id lists.
    let missions = by_object(&stack, "mission");
    let hand: [(&str, i64, i64, i64); 4] = [
        ("9F1C2A7", 3, 1, 3),
        ("4B7D0E2", 2, 0, 0),
        ("C8E1F03", 3, 1, 10),
        ("2D5A9B6", 3, 1, 6),
    ];
    for (id, total, launches, publications) in hand {
        let m = &missions[id];
        assert_eq!(
            (m.total, m.launches, m.launch_publications),
            (total, Some(launches), Some(publications)),
            "mission {id}"
        );
    }

    // Rockets: launches per rocket from the fixture (first "110" only), totals from the hand count.
    let fixture = Dataset::fixture("original").unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut expected: HashMap<String, (i64, i64)> = HashMap::new();
    for launch in fixture.collection("launches").unwrap() {
        let id = launch["id"].as_str().unwrap();
        if !seen.insert(id) {
            continue;
        }
        let rocket = launch["rocket"]["rocket"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let entry = expected.entry(rocket).or_default();
        entry.0 += 1;
        entry.1 += launch_totals[id];
    }
    let rockets = by_object(&stack, "rocket");
    for (id, wikipedia) in [("falcon1", 0), ("falcon9", 1), ("falconheavy", 1)] {
        let (launches, publications) = expected.get(id).copied().unwrap_or_default();
        let r = &rockets[id];
        assert_eq!(
            (r.total, r.launches, r.launch_publications),
            (wikipedia, Some(launches), Some(publications)),
            "rocket {id}"
        );
    }
}

#[test]
fn unchanged_staging_writes_nothing() {
    let stack = Stack::new(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let maker = martmaker(&stack);
    assert!(matches!(maker.refresh().unwrap(), Refresh::Built { .. }));
    let marts_before = stack.marts_dump();
    let builds = stack.count("marts.build_run");

    // Nothing new, and an extraction that finds the same data, both leave the marts alone.
    assert!(matches!(
        maker.refresh().unwrap(),
        Refresh::Unchanged { .. }
    ));
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert!(matches!(
        maker.refresh().unwrap(),
        Refresh::Unchanged { .. }
    ));
    assert_eq!(stack.count("marts.build_run"), builds);
    assert_eq!(
        stack.marts_dump(),
        marts_before,
        "built_at included: not rewritten"
    );
}

/// Timer ticks (`Job::run`, what the service runs): an idle one reads one statement and
/// writes nothing, a change is built once.
#[test]
fn ticks_build_after_a_change_only() {
    let stack = Stack::new(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let mut maker = martmaker(&stack);
    let mut tick = || maker.run(&CancelToken::new());
    assert_eq!(tick(), Outcome::Succeeded);
    let builds = || stack.dump_table("marts.build_run");
    let built = builds();
    let marts = stack.marts_dump();
    for _ in 0..3 {
        assert_eq!(tick(), Outcome::Succeeded);
    }
    assert_eq!((builds(), stack.marts_dump()), (built.clone(), marts));

    let mut dataset = Dataset::fixture("original").unwrap();
    dataset.collection_mut("rockets")[0]["wikipedia"] = "https://en.wikipedia.org/wiki/F1".into();
    stack.fake.set_dataset(dataset);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert_eq!(tick(), Outcome::Succeeded);
    assert_eq!(stack.count("marts.build_run WHERE status = 'succeeded'"), 2);
    assert_eq!(tick(), Outcome::Succeeded);
    assert_eq!(stack.count("marts.build_run"), 2);
}

/// Two martmakers ticking at once: both see staging changed, one builds, the other finds
/// the build lock taken and writes nothing; then both find the marts up to date.
#[test]
fn two_martmakers_ticking_at_once_build_once() {
    let stack = Stack::new(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    stack.sql(
        "CREATE FUNCTION public.slow() RETURNS trigger LANGUAGE plpgsql
           AS $$ BEGIN PERFORM pg_sleep(1); RETURN NULL; END $$;
         CREATE TRIGGER slow BEFORE INSERT ON marts.publication
           FOR EACH STATEMENT EXECUTE FUNCTION public.slow();",
    );
    let mut makers = [martmaker(&stack), martmaker(&stack)];
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let [first, second] = &mut makers;
        let a = scope.spawn(|| first.run(&CancelToken::new()));
        std::thread::sleep(std::time::Duration::from_millis(200));
        let b = scope.spawn(|| second.run(&CancelToken::new()));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(outcomes, [Outcome::Succeeded, Outcome::Succeeded]);
    assert_eq!(
        stack.count("marts.build_run"),
        1,
        "the busy one left no row"
    );
    assert_eq!(stack.count("marts.build_run WHERE status = 'succeeded'"), 1);
    stack.sql("DROP TRIGGER slow ON marts.publication; DROP FUNCTION public.slow();");
    for maker in &mut makers {
        assert_eq!(maker.run(&CancelToken::new()), Outcome::Succeeded);
    }
    assert_eq!(stack.count("marts.build_run"), 1);
}

/// Without a test query before each use, a pooled connection the database dropped shows up as
/// one failed tick; the next tick works.
#[test]
fn a_tick_after_the_database_dropped_the_connections_works_again() {
    let (stack, proxy) = Stack::proxied(Dataset::fixture("original").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let mut maker = martmaker(&stack);
    let mut tick = || maker.run(&CancelToken::new());
    assert_eq!(tick(), Outcome::Succeeded, "built");
    proxy.cut();
    assert_eq!(tick(), Outcome::Failed);
    assert_eq!(
        tick(),
        Outcome::Succeeded,
        "up to date, on a new connection"
    );
    assert_eq!(stack.count("marts.build_run"), 1);
}

#[test]
fn two_hundred_fifty_synthetic_launches_add_up() {
    let stack = Stack::with_page_size(Dataset::synthetic(250), 100);
    assert_eq!(stack.extract(), Outcome::Succeeded);
    assert!(matches!(
        martmaker(&stack).refresh().unwrap(),
        Refresh::Built { .. }
    ));
    let rows = publication(&stack);
    // Launch i has 8 + i % 4 publications: 250 · 8 + 62 · (0+1+2+3) + (0 + 1) = 2373.
    assert_eq!(rows[0].0, "launch");
    assert_eq!((rows[0].1[0], rows[0].1[9]), (250, 2373));
    assert_eq!(
        (rows[1].1[0], rows[1].1[9]),
        (25, 75),
        "25 missions with 3 each"
    );
    assert_eq!(
        (rows[2].1[0], rows[2].1[9]),
        (4, 4),
        "4 rockets with 1 each"
    );
    let rockets = by_object(&stack, "rocket");
    let launches_on_rockets: i64 = rockets.values().map(|r| r.launches.unwrap()).sum();
    let publications_on_rockets: i64 = rockets
        .values()
        .map(|r| r.launch_publications.unwrap())
        .sum();
    assert_eq!((launches_on_rockets, publications_on_rockets), (250, 2373));
}

/// A reader polling the marts while 50 extract + rebuild cycles alternate between two
/// datasets never sees an empty, partial or inconsistent mart.
#[test]
fn readers_never_see_a_partial_mart_during_50_rebuilds() {
    use diesel::prelude::*;
    #[derive(QueryableByName, Debug)]
    struct Observation {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        rows: i64,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        consistent: bool,
    }
    // One statement = one snapshot: the three rows, and whether they equal the per-object sums.
    const OBSERVE: &str = "
        SELECT (SELECT count(*) FROM marts.publication) AS rows,
               NOT EXISTS (
                   SELECT 1 FROM marts.publication p
                   LEFT JOIN (SELECT entity, count(*) AS objects, sum(total) AS total
                              FROM marts.publication_by_object GROUP BY entity) o USING (entity)
                   WHERE (p.objects, p.total) IS DISTINCT FROM (coalesce(o.objects, 0), coalesce(o.total, 0))
               ) AS consistent";

    let stack =
        Stack::with_page_size(Dataset::fixture("original").unwrap(), 100).without_shrink_guard();
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let maker = martmaker(&stack);
    maker.refresh().unwrap();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        let mut conn = stack.conn();
        std::thread::spawn(move || {
            let mut seen = 0u32;
            let mut totals = std::collections::HashSet::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let o: Observation = diesel::sql_query(OBSERVE).get_result(&mut conn).unwrap();
                assert_eq!(o.rows, 3, "publication always has its three rows");
                assert!(o.consistent, "publication equals the per-object sums");
                let total: i64 =
                    diesel::sql_query("SELECT sum(total)::bigint AS n FROM marts.publication")
                        .get_result::<Total>(&mut conn)
                        .unwrap()
                        .n;
                totals.insert(total);
                seen += 1;
            }
            (seen, totals)
        })
    };
    let datasets = [
        Dataset::fixture("current").unwrap(),
        Dataset::fixture("original").unwrap(),
    ];
    for cycle in 0..50 {
        stack.fake.set_dataset(datasets[cycle % 2].clone());
        assert_eq!(stack.extract(), Outcome::Succeeded);
        assert!(
            matches!(maker.refresh().unwrap(), Refresh::Built { .. }),
            "cycle {cycle}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (seen, totals) = reader.join().expect("the reader saw only complete marts");
    assert!(seen > 50, "the reader polled throughout ({seen} reads)");
    assert_eq!(
        totals,
        [38, 54].into_iter().collect(),
        "only the two complete states were ever visible"
    );
}

#[derive(diesel::QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The real `martmaker --once` with `config`.
fn martmaker_once(config: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_martmaker"))
        .args(["--once", "--config"])
        .arg(config)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "info")
        .output()
        .unwrap()
}

#[test]
fn martmaker_once_binary_builds_then_reports_unchanged() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), "");
    let run = || martmaker_once(&config);
    let first = run();
    let log = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(0), "{log}");
    assert!(
        log.contains("Mart build 1 (full, 8 launches recounted)"),
        "{log}"
    );
    let second = run();
    let log = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(0), "{log}");
    assert!(log.contains("Marts unchanged"), "{log}");
}

/// `log_format: json` from the martmaker: a build's line carries its `build_id`.
#[test]
fn martmaker_json_log_lines_carry_the_build_id() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    assert_eq!(stack.extract(), Outcome::Succeeded);
    let dir = tempfile::tempdir().unwrap();
    let config = stack.config_file(dir.path(), "log_format: json\n");
    let output = martmaker_once(&config);
    let log = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{log}");
    let lines = testbed::json_lines(&log);
    let build = lines
        .iter()
        .find(|line| {
            line["message"]
                .as_str()
                .unwrap_or("")
                .starts_with("Mart build 1 ")
        })
        .expect("the build's line");
    assert_eq!(build["build_id"], 1, "{build}");
    assert_eq!(build["level"], "INFO");
    assert_eq!(build["target"], "martmaker");
    assert!(
        build["timestamp"].as_str().unwrap().ends_with('Z'),
        "{build}"
    );
}

/// A fresh database: the martmaker's ticks publish nothing (no build row, no mart row) and say
/// so once; the first extraction that loads the launches is built on the next tick. Then the
/// idle ticks: the first one at INFO, the others at DEBUG with a summary at INFO once an
/// hour's worth of ticks has passed (three ticks of 20 minutes here: counted, not waited for).
#[test]
fn no_marts_before_the_first_extraction_and_quiet_idle_ticks() {
    let stack = Stack::new(Dataset::fixture("current").unwrap());
    let mut config = stack.config.clone();
    config.martmaker.interval = std::time::Duration::from_secs(20 * 60);
    let mut maker = Martmaker::new(&config, stack.database_for::<Martmaker>()).unwrap();
    let tick = |maker: &mut Martmaker| {
        let (outcome, lines) = test_kit::logs::capture(|| maker.run(&CancelToken::new()));
        assert_eq!(outcome, Outcome::Succeeded, "{lines:?}");
        lines
    };

    let waiting: Vec<_> = (0..4).flat_map(|_| tick(&mut maker)).collect();
    // Waiting, it looks again within seconds, not after the 20-minute timer.
    let timer = config.martmaker.interval;
    assert_eq!(maker.next_run_in(timer), std::time::Duration::from_secs(5));
    assert_eq!(stack.count("marts.build_run"), 0, "no build attempted");
    assert_eq!(stack.count("marts.publication"), 0, "nothing published");
    let said = loud(&waiting);
    assert_eq!(said.len(), 1, "one line for four ticks: {said:?}");
    assert!(
        said[0].starts_with("INFO No marts yet: waiting for the first extraction that loads the launches; nothing is published until then"),
        "{said:?}"
    );
    let every_tick = waiting
        .iter()
        .filter(|line| line.message.contains("waiting for the first extraction"));
    assert_eq!(
        every_tick.count(),
        4,
        "the others at debug level: {waiting:?}"
    );

    assert_eq!(stack.extract(), Outcome::Succeeded);
    let built = loud(&tick(&mut maker));
    assert_eq!(built.len(), 1, "{built:?}");
    assert_eq!(maker.next_run_in(timer), timer, "built: the timer again");
    assert!(
        built[0].starts_with("INFO Mart build 1 (full, 8 launches recounted)")
            && built[0].contains("from extract run 1"),
        "{built:?}"
    );

    let first_idle = loud(&tick(&mut maker));
    assert_eq!(first_idle.len(), 1, "{first_idle:?}");
    assert!(
        first_idle[0].contains("Marts unchanged")
            && first_idle[0].contains("logged at debug level from now on, with a summary every 1h"),
        "{first_idle:?}"
    );
    for _ in 0..2 {
        let idle = tick(&mut maker);
        assert!(loud(&idle).is_empty(), "{idle:?}");
        assert!(idle
            .iter()
            .any(|line| line.level == log::Level::Debug
                && line.message.starts_with("Marts unchanged")));
    }
    let summary = loud(&tick(&mut maker));
    assert_eq!(summary.len(), 1, "{summary:?}");
    assert!(
        summary[0].starts_with("INFO Marts unchanged: staging has not changed since extract run 1")
            && summary[0].ends_with("; 3 checks found nothing to do since the last report."),
        "{summary:?}"
    );
    assert_eq!(
        stack.count("marts.build_run"),
        1,
        "idle ticks write nothing"
    );
}
