//! Building the publication marts: counting rules, atomic publish, checks, "unchanged".
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
mod common;

use diesel::prelude::*;
use serde_json::json;

use common::snapshot::{publish, Snapshot};
use db_models::models::{NewLaunchLink, NewLaunchMission, NewMission, NewRocket, Publication};
use db_models::schema::marts::{build_run, check_result};
use repository::marts::{
    latest_failing_checks, publication, publication_by_object, refresh_publication, BuildMode,
    BuildSettings, Refresh,
};
use repository::staging::LaunchRows;
use repository::{extract_runs, Database};

fn link(launch_id: &str, field: &str, position: i32, url: &str) -> NewLaunchLink {
    NewLaunchLink {
        launch_id: launch_id.into(),
        field: field.into(),
        position,
        url: url.into(),
    }
}

fn mission(
    run_id: i64,
    id: &str,
    wikipedia: Option<&str>,
    website: Option<&str>,
    twitter: Option<&str>,
) -> NewMission {
    NewMission {
        id: id.into(),
        name: Some(format!("Mission {id}")),
        wikipedia: wikipedia.map(Into::into),
        website: website.map(Into::into),
        twitter: twitter.map(Into::into),
        raw: json!({ "id": id }),
        run_id,
        ..NewMission::default()
    }
}

fn rocket(run_id: i64, id: &str, wikipedia: &str) -> NewRocket {
    common::rocket(run_id, id, wikipedia)
}

/// Staging with every counting rule in play; expected numbers worked out by hand below.
fn rich_snapshot(run_id: i64) -> Snapshot {
    let (l1, _) = common::launch(run_id, "1", "one", &[]);
    let (l2, _) = common::launch(run_id, "2", "two", &[]);
    let links = vec![
        link("1", "article_link", 0, "https://a/1"),
        link("1", "wikipedia", 0, "  https://w/1  "), // padded: counts
        link("1", "presskit", 0, ""),                 // empty: no
        link("1", "video_link", 0, "ftp://v/1"),      // not http(s): no
        link("1", "reddit_campaign", 0, "https://r/1"),
        link("1", "reddit_launch", 0, "https://r/1"), // same URL, same kind: once
        link("1", "reddit_media", 0, "HTTPS://R/2"),  // upper-case scheme: counts
        link("1", "flickr_images", 0, "https://p/1"),
        link("1", "flickr_images", 1, "https://p/1"), // listed twice: once
        link("1", "flickr_images", 2, "https://p/2"),
        link("1", "mission_patch", 0, "https://patch/1"), // patches are not publications
        link("2", "article_link", 0, "https://w/2"),
        link("2", "wikipedia", 0, "https://w/2"), // same URL, other kind: both count
        link("2", "reddit_recovery", 0, "not a url"),
    ];
    let launch_missions = vec![
        NewLaunchMission {
            launch_id: "1".into(),
            position: 0,
            mission_id: "M1".into(),
        },
        NewLaunchMission {
            launch_id: "1".into(),
            position: 1,
            mission_id: "M1".into(), // listed twice: counted once
        },
        NewLaunchMission {
            launch_id: "2".into(),
            position: 0,
            mission_id: "M1".into(),
        },
        NewLaunchMission {
            launch_id: "2".into(),
            position: 1,
            mission_id: "M2".into(),
        },
        NewLaunchMission {
            launch_id: "2".into(),
            position: 2,
            mission_id: "M-unknown".into(),
        },
    ];
    Snapshot {
        launches: Some(LaunchRows {
            launches: vec![l1, l2],
            missions: launch_missions,
            links,
        }),
        missions: Some(vec![
            mission(
                run_id,
                "M1",
                Some("https://w/m1"),
                Some("https://m1.example"),
                None,
            ),
            mission(run_id, "M2", None, Some(""), Some("https://twitter.com/m2")),
            mission(run_id, "M3", None, None, None),
        ]),
        rockets: Some(vec![
            rocket(run_id, "falcon9", "https://w/f9"),
            rocket(run_id, "falcon1", "not a url"),
        ]),
        rejected: vec![],
        entities: common::reports(run_id),
        ..Snapshot::default()
    }
}

fn load(database: &Database, snapshot: fn(i64) -> Snapshot) -> i64 {
    let mut conn = common::conn(database);
    let run = extract_runs::start(&mut conn).unwrap();
    publish(&mut conn, run, snapshot(run)).unwrap();
    run
}

/// (entity, objects, articles, wikipedia, presskits, videos, reddit, photos, websites, twitter, total)
type Row = (
    &'static str,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

fn numbers(rows: &[Publication]) -> Vec<(String, [i64; 10])> {
    rows.iter()
        .map(|p| {
            (
                p.entity.clone(),
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
                ],
            )
        })
        .collect()
}

fn expected(rows: &[Row]) -> Vec<(String, [i64; 10])> {
    rows.iter()
        .map(|r| {
            (
                r.0.to_string(),
                [r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10],
            )
        })
        .collect()
}

/// No build before an extraction has loaded the launches (zeros would read as data); an
/// extraction that found nothing upstream gives three rows of zeros, then "unchanged".
#[test]
fn no_build_before_an_extraction_then_empty_staging_gives_three_zero_rows() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    assert_eq!(
        refresh_publication(&mut conn, &BuildSettings::default()).unwrap(),
        Refresh::AwaitingData
    );
    let builds = |conn: &mut repository::PgPooled| -> i64 {
        build_run::table.count().get_result(conn).unwrap()
    };
    assert_eq!(builds(&mut conn), 0, "waiting writes nothing");
    assert!(publication(&mut conn).unwrap().is_empty());

    load(&database, |run| common::snapshot(run, vec![], vec![]));
    let built = refresh_publication(&mut conn, &BuildSettings::default()).unwrap();
    assert!(
        matches!(
            built,
            Refresh::Built {
                publication_rows: 3,
                object_rows: 0,
                source_run_id: None,
                ..
            }
        ),
        "{built:?}"
    );
    assert_eq!(
        numbers(&publication(&mut conn).unwrap()),
        expected(&[
            ("launch", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
            ("mission", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
            ("rocket", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        ])
    );
    assert_eq!(
        refresh_publication(&mut conn, &BuildSettings::default()).unwrap(),
        Refresh::Unchanged {
            source_run_id: None
        }
    );
    assert_eq!(builds(&mut conn), 1, "an unchanged refresh writes nothing");
}

/// (entity, object_id, total, launches, launch_publications)
type ObjectTotals = (String, String, i64, Option<i64>, Option<i64>);

#[test]
fn counts_follow_the_publication_rules() {
    let (_db, database) = common::migrated();
    let run = load(&database, rich_snapshot);
    let mut conn = common::conn(&database);
    let built = refresh_publication(&mut conn, &BuildSettings::default()).unwrap();
    assert!(
        matches!(built, Refresh::Built { source_run_id: Some(r), object_rows: 7, .. } if r == run),
        "{built:?}"
    );

    // By hand: launch 1 = article 1, wikipedia 1, reddit 2 (r/1 once, R/2), photos 2 = 6;
    // launch 2 = article 1 + wikipedia 1 = 2. M1 = wikipedia + website = 2; M2 = twitter = 1;
    // M3 = 0. falcon9 = 1, falcon1 = 0.
    assert_eq!(
        numbers(&publication(&mut conn).unwrap()),
        expected(&[
            ("launch", 2, 2, 2, 0, 0, 2, 2, 0, 0, 8),
            ("mission", 3, 0, 1, 0, 0, 0, 0, 1, 1, 3),
            ("rocket", 2, 0, 1, 0, 0, 0, 0, 0, 0, 1),
        ])
    );
    let by_object: Vec<ObjectTotals> = publication_by_object(&mut conn, None)
        .unwrap()
        .into_iter()
        .map(|o| {
            (
                o.entity,
                o.object_id,
                o.total,
                o.launches,
                o.launch_publications,
            )
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        by_object,
        vec![
            (s("launch"), s("1"), 6, None, None),
            (s("launch"), s("2"), 2, None, None),
            (s("mission"), s("M1"), 2, Some(2), Some(8)),
            (s("mission"), s("M2"), 1, Some(1), Some(2)),
            (s("mission"), s("M3"), 0, Some(0), Some(0)),
            (s("rocket"), s("falcon1"), 0, Some(0), Some(0)),
            (s("rocket"), s("falcon9"), 1, Some(2), Some(8)),
        ]
    );
    // The views that define the counts show the same totals, read live from staging.
    #[derive(QueryableByName, Debug, PartialEq)]
    struct Total {
        #[diesel(sql_type = diesel::sql_types::Text)]
        entity: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        object_id: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
    }
    let live: Vec<Total> = diesel::sql_query(
        "SELECT 'launch' AS entity, launch_id AS object_id, total
         FROM staging.launch_publication_count
         UNION ALL
         SELECT entity, object_id, total FROM staging.own_publication_count
         ORDER BY entity, object_id",
    )
    .load(&mut conn)
    .unwrap();
    let built: Vec<Total> = by_object
        .iter()
        .map(|(entity, object_id, total, ..)| Total {
            entity: entity.clone(),
            object_id: object_id.clone(),
            total: *total,
        })
        .collect();
    assert_eq!(live, built);
    assert_eq!(
        refresh_publication(&mut conn, &BuildSettings::default()).unwrap(),
        Refresh::Unchanged {
            source_run_id: Some(run)
        }
    );
}

/// Builds the rich snapshot, then sabotages the next build from inside Postgres: a trigger
/// runs `body` on the insert of the new rocket's row. Loads that rocket and refreshes: the
/// marts as they were before, and how the refresh ended.
fn sabotaged_refresh(
    conn: &mut PgConnection,
    database: &Database,
    body: &str,
) -> (Vec<Publication>, repository::Result<Refresh>) {
    load(database, rich_snapshot);
    refresh_publication(conn, &BuildSettings::default()).unwrap();
    let before = publication(conn).unwrap();
    conn.batch_execute_ok(&format!(
        "CREATE FUNCTION public.sabotage() RETURNS trigger LANGUAGE plpgsql AS
           $$ BEGIN {body} END $$;
         CREATE TRIGGER sabotage BEFORE INSERT ON marts.publication_by_object
           FOR EACH ROW WHEN (NEW.object_id = 'starship') EXECUTE FUNCTION public.sabotage();"
    ));
    load(database, with_starship);
    (before, refresh_publication(conn, &BuildSettings::default()))
}

#[test]
fn a_failed_check_keeps_the_previous_marts() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    // The new rocket's row is dropped: the "objects match staging" check must catch it.
    let (before, refreshed) = sabotaged_refresh(&mut conn, &database, "RETURN NULL;");
    let refreshed = refreshed.unwrap();
    let Refresh::Failed { build_id, error } = refreshed else {
        panic!("expected a failed build, got {refreshed:?}")
    };
    assert!(error.contains("objects_match_staging"), "{error}");
    assert_eq!(
        publication(&mut conn).unwrap(),
        before,
        "previous marts untouched"
    );
    assert_eq!(build_status(&mut conn, build_id), "failed");
    // The rolled-back build's checks are recorded all the same, the failing one with what
    // it found, and the latest failing checks are its.
    let failed = checks_of(&mut conn, build_id);
    assert_eq!(failed.len(), 7, "{failed:?}");
    assert!(
        failed.contains(&check(
            "objects_match_staging",
            "fail",
            "launch 2, mission 3, rocket 2",
            "launch 2, mission 3, rocket 3"
        )),
        "{failed:?}"
    );
    let failing = latest_failing_checks(&mut conn).unwrap();
    assert_eq!(failing[0].check_name, "objects_match_staging");
    assert_eq!(failing[0].build_id, build_id);
    assert!(
        failing[0]
            .message
            .starts_with("each entity's objects match staging: found launch 2"),
        "{}",
        failing[0].message
    );

    // Once the cause is gone, the next refresh builds (a failed build is not "unchanged"),
    // from scratch: nothing a failed build computed is trusted.
    conn.batch_execute_ok("DROP TRIGGER sabotage ON marts.publication_by_object;");
    assert!(matches!(
        refresh_publication(&mut conn, &BuildSettings::default()).unwrap(),
        Refresh::Built {
            object_rows: 8,
            mode: BuildMode::Full,
            ..
        }
    ));
}

#[test]
fn a_row_breaking_a_table_rule_fails_the_build_and_keeps_the_previous_marts() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    // The new rocket's total is inflated: the table's "total is the sum of the kinds"
    // constraint refuses the row.
    let (before, refreshed) = sabotaged_refresh(
        &mut conn,
        &database,
        "NEW.total := NEW.total + 1; RETURN NEW;",
    );
    let refreshed = refreshed.unwrap();
    let Refresh::Failed { build_id, error } = refreshed else {
        panic!("expected a failed build, got {refreshed:?}")
    };
    assert!(
        error.contains("row_rules") && error.contains("publication_by_object_total_is_sum"),
        "{error}"
    );
    assert_eq!(publication(&mut conn).unwrap(), before);
    let (status, recorded): (String, Option<String>) = build_run::table
        .find(build_id)
        .select((build_run::status, build_run::error))
        .first(&mut conn)
        .unwrap();
    assert_eq!(status, "failed");
    assert!(recorded
        .unwrap()
        .contains("publication_by_object_total_is_sum"));
    // The build stopped at the row: the one check that ran is recorded, failed.
    assert_eq!(
        checks_of(&mut conn, build_id),
        [check(
            "row_rules",
            "fail",
            "publication_by_object_total_is_sum",
            "no row breaks a rule"
        )]
    );
}

/// (check_name, status, observed, expected) of a build's checks in `marts.check_result`.
type Check = (String, String, String, String);

fn check(name: &str, status: &str, observed: &str, expected: &str) -> Check {
    (name.into(), status.into(), observed.into(), expected.into())
}

/// A build's rows of `marts.check_result`, by name, read by SQL.
fn checks_of(conn: &mut PgConnection, build_id: i64) -> Vec<Check> {
    check_result::table
        .filter(check_result::build_id.eq(build_id))
        .order(check_result::check_name)
        .select((
            check_result::check_name,
            check_result::status,
            check_result::observed,
            check_result::expected,
        ))
        .load(conn)
        .unwrap()
}

/// The rich snapshot with three more launches.
fn with_five_launches(run: i64) -> Snapshot {
    let mut s = rich_snapshot(run);
    let rows = s.launches.as_mut().unwrap();
    for id in ["3", "4", "5"] {
        let (launch, links) = common::launch(run, id, "more", &["https://p/more"]);
        rows.launches.push(launch);
        rows.links.extend(links);
    }
    s
}

#[test]
fn a_failing_warn_check_keeps_the_build_and_is_queryable() {
    let (_db, database) = common::migrated();
    load(&database, rich_snapshot);
    let mut conn = common::conn(&database);
    let built = refresh_publication(&mut conn, &BuildSettings::default()).unwrap();
    let Refresh::Built {
        build_id, warnings, ..
    } = built
    else {
        panic!("expected a build, got {built:?}")
    };
    assert_eq!(
        publication(&mut conn).unwrap()[0].build_id,
        build_id,
        "published"
    );
    // Launch 2 lists the unstaged mission M-unknown; M3 and falcon1 have no publication.
    assert_eq!(
        checks_of(&mut conn, build_id),
        [
            check("launch_mission_missing", "warn", "1", "0"),
            check("launch_rocket_missing", "pass", "0", "0"),
            check(
                "objects_match_staging",
                "pass",
                "launch 2, mission 3, rocket 2",
                "launch 2, mission 3, rocket 2"
            ),
            check("objects_without_publication", "warn", "2", "0"),
            check(
                "publication_entities",
                "pass",
                "launch, mission, rocket",
                "launch, mission, rocket"
            ),
            check(
                "row_count_change",
                "pass",
                "no previous build",
                "each within 50% of the previous build"
            ),
            check("row_rules", "pass", "none broken", "no row breaks a rule"),
        ]
    );
    assert_eq!(latest_failing_checks(&mut conn).unwrap(), warnings);
    let messages: Vec<&str> = warnings.iter().map(|c| c.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "every mission a launch lists is staged: found 1, expected 0 (e.g. launch 2 → mission M-unknown)",
            "every object has at least one publication of its own: found 2, expected 0 (e.g. mission M3, rocket falcon1)",
        ]
    );

    // Row counts against the previous build, by the configured share: 2 → 5 launches is
    // within 200 %, 5 → 2 is more than 50 % off.
    load(&database, with_five_launches);
    let lenient = BuildSettings {
        row_count_change_warn: 2.0,
    };
    let grown = refresh_publication(&mut conn, &lenient).unwrap();
    let Refresh::Built { build_id, .. } = grown else {
        panic!("{grown:?}")
    };
    assert!(checks_of(&mut conn, build_id).contains(&check(
        "row_count_change",
        "pass",
        "launch 2 → 5, mission 3 → 3, rocket 2 → 2",
        "each within 200% of the previous build"
    )));
    load(&database, rich_snapshot);
    let shrunk = refresh_publication(&mut conn, &BuildSettings::default()).unwrap();
    let Refresh::Built { build_id, .. } = shrunk else {
        panic!("{shrunk:?}")
    };
    assert!(checks_of(&mut conn, build_id).contains(&check(
        "row_count_change",
        "warn",
        "launch 5 → 2, mission 3 → 3, rocket 2 → 2",
        "each within 50% of the previous build"
    )));
    assert_eq!(publication(&mut conn).unwrap()[0].objects, 2, "published");
}

/// The rich snapshot plus a rocket without launches.
fn with_starship(run: i64) -> Snapshot {
    let mut s = rich_snapshot(run);
    s.rockets
        .as_mut()
        .unwrap()
        .push(rocket(run, "starship", "https://w/ss"));
    s
}

fn build_status(conn: &mut PgConnection, build_id: i64) -> String {
    build_run::table
        .find(build_id)
        .select(build_run::status)
        .first(conn)
        .unwrap()
}

#[test]
fn views_and_grants_on_the_marts_survive_rebuilds() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    refresh_publication(&mut conn, &BuildSettings::default()).unwrap();
    conn.batch_execute_ok(
        "CREATE VIEW public.launch_totals AS SELECT total FROM marts.publication WHERE entity = 'launch';
         CREATE ROLE dashboard_test NOLOGIN;
         GRANT USAGE ON SCHEMA marts TO dashboard_test;
         GRANT SELECT ON marts.publication TO dashboard_test;",
    );
    load(&database, rich_snapshot);
    assert!(matches!(
        refresh_publication(&mut conn, &BuildSettings::default()).unwrap(),
        Refresh::Built { .. }
    ));
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        granted: bool,
    }
    let check: Check = diesel::sql_query(
        "SELECT (SELECT total FROM public.launch_totals) AS total,
                has_table_privilege('dashboard_test', 'marts.publication', 'SELECT') AS granted",
    )
    .get_result(&mut conn)
    .unwrap();
    assert_eq!((check.total, check.granted), (8, true));
    conn.batch_execute_ok("DROP VIEW public.launch_totals; REVOKE ALL ON marts.publication FROM dashboard_test; REVOKE ALL ON SCHEMA marts FROM dashboard_test; DROP ROLE dashboard_test;");
}

trait BatchOk {
    fn batch_execute_ok(&mut self, sql: &str);
}

impl BatchOk for PgConnection {
    fn batch_execute_ok(&mut self, sql: &str) {
        use diesel::connection::SimpleConnection;
        self.batch_execute(sql).expect("SQL runs");
    }
}

#[test]
fn a_full_build_drops_what_it_cannot_account_for() {
    let (_db, database) = common::migrated();
    load(&database, rich_snapshot);
    let mut conn = common::conn(&database);
    refresh_publication(&mut conn, &BuildSettings::default()).unwrap();
    let rockets = publication_by_object(&mut conn, Some("rocket")).unwrap();

    // A contribution of a launch that is neither staged nor in the marts (a hand edit), then
    // the build history gone: the next build is full and must not count it.
    conn.batch_execute_ok(
        "INSERT INTO marts.publication_contribution VALUES ('ghost', 'rocket', 'falcon9', 100);
         DELETE FROM marts.build_run;",
    );
    assert!(matches!(
        refresh_publication(&mut conn, &BuildSettings::default()).unwrap(),
        Refresh::Built {
            mode: BuildMode::Full,
            ..
        }
    ));
    assert_eq!(
        publication_by_object(&mut conn, Some("rocket")).unwrap(),
        rockets
    );
    let ghosts: i64 = db_models::schema::marts::publication_contribution::table
        .filter(db_models::schema::marts::publication_contribution::launch_id.eq("ghost"))
        .count()
        .get_result(&mut conn)
        .unwrap();
    assert_eq!(ghosts, 0);
}
