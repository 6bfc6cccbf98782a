//! The history of the marts: the README's two queries ("as of a date", "what build N
//! changed"), run as written there, over builds that change rows and builds that do not.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report
mod common;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

use common::snapshot::{publish, Snapshot};
use db_models::models::PublicationByObject;
use db_models::schema::marts::build_run;
use repository::marts::{publication_by_object, refresh_publication, BuildMode, Refresh};
use repository::{extract_runs, read, Database, PgPooled};

/// The SQL block of the README that follows `<!-- history query: {name} -->`.
fn readme_query(name: &str) -> String {
    let readme = include_str!("../../../README.md");
    let marker = format!("<!-- history query: {name} -->\n```sql\n");
    let start = readme.find(&marker).expect("the README has the query") + marker.len();
    let end = start + readme[start..].find("```").unwrap();
    readme[start..end].to_string()
}

/// The README's query with its example literal `example` (every occurrence) made `$1`.
fn parameterised(name: &str, example: &str) -> String {
    let query = readme_query(name);
    assert!(query.contains(example), "{query}");
    query.replace(example, "$1")
}

/// A rocket's row as the as-of query reads it and `marts.publication_by_object` has it.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
struct RocketRow {
    #[diesel(sql_type = Text)]
    object_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = BigInt)]
    total: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    launches: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    launch_publications: Option<i64>,
}

impl From<PublicationByObject> for RocketRow {
    fn from(row: PublicationByObject) -> RocketRow {
        RocketRow {
            object_id: row.object_id,
            name: row.name,
            total: row.total,
            launches: row.launches,
            launch_publications: row.launch_publications,
        }
    }
}

fn rockets_as_of(conn: &mut PgPooled, at: DateTime<Utc>) -> Vec<RocketRow> {
    diesel::sql_query(parameterised("as of", "'2026-12-03 12:00+00'"))
        .bind::<Timestamptz, _>(at)
        .load(conn)
        .unwrap()
}

/// One object a build added, changed or dropped, as the "changed in build" query reads it.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Change {
    #[diesel(sql_type = Text)]
    entity: String,
    #[diesel(sql_type = Text)]
    object_id: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    total_before: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    total_after: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    launch_publications_before: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    launch_publications_after: Option<i64>,
}

fn changed_in_build(conn: &mut PgPooled, build_id: i64) -> Vec<Change> {
    diesel::sql_query(parameterised("changed in build", "7"))
        .bind::<BigInt, _>(build_id)
        .load(conn)
        .unwrap()
}

/// What the "changed in build" query must say between two states of the marts: every object
/// whose row differs, with its totals before and after.
fn expected_changes(before: &[PublicationByObject], after: &[PublicationByObject]) -> Vec<Change> {
    let key = |row: &PublicationByObject| (row.entity.clone(), row.object_id.clone());
    let find = |rows: &[PublicationByObject], wanted: &(String, String)| {
        rows.iter().find(|row| key(row) == *wanted).cloned()
    };
    let mut keys: Vec<(String, String)> = before.iter().chain(after).map(key).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (was, now) = (find(before, &k), find(after, &k));
            (was != now).then(|| Change {
                entity: k.0,
                object_id: k.1,
                total_before: was.as_ref().map(|r| r.total),
                total_after: now.as_ref().map(|r| r.total),
                launch_publications_before: was.and_then(|r| r.launch_publications),
                launch_publications_after: now.and_then(|r| r.launch_publications),
            })
        })
        .collect()
}

/// A launch on falcon9: `(id, details, photos)`.
type Launch<'a> = (&'a str, &'a str, &'a [&'a str]);

/// Launches, and rockets `(id)` with a Wikipedia page.
fn load(database: &Database, launches: &[Launch], rockets: &[&str]) {
    let mut conn = common::conn(database);
    let run = extract_runs::start(&mut conn).unwrap();
    let launches = launches
        .iter()
        .map(|(id, details, photos)| common::launch(run, id, details, photos))
        .collect();
    let rockets = rockets
        .iter()
        .map(|id| common::rocket(run, id, &format!("https://w/{id}")))
        .collect();
    let snapshot: Snapshot = common::snapshot(run, launches, rockets);
    publish(&mut conn, run, snapshot).unwrap();
}

/// A build: its id, when it was published, and how it was built.
type Build = (i64, DateTime<Utc>, BuildMode);

/// Builds; the build id and when it was published.
fn build(conn: &mut PgPooled) -> Build {
    let refreshed = refresh_publication(conn, &Default::default()).unwrap();
    let Refresh::Built { build_id, mode, .. } = refreshed else {
        panic!("expected a build, got {refreshed:?}")
    };
    let at = build_run::table
        .find(build_id)
        .select(build_run::finished_at.assume_not_null())
        .first(conn)
        .unwrap();
    (build_id, at, mode)
}

fn history_rows(conn: &mut PgPooled) -> (i64, i64) {
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = BigInt)]
        publication: i64,
        #[diesel(sql_type = BigInt)]
        by_object: i64,
    }
    let rows: Rows = diesel::sql_query(
        "SELECT (SELECT count(*) FROM marts.publication_history) AS publication,
                (SELECT count(*) FROM marts.publication_by_object_history) AS by_object",
    )
    .get_result(conn)
    .unwrap();
    (rows.publication, rows.by_object)
}

/// Three builds with changes: launches gain photos, appear and vanish; rockets appear and
/// leave staging. Every launch counts towards falcon9. The builds, and the marts before the
/// first and after each.
fn three_builds(
    database: &Database,
    conn: &mut PgPooled,
) -> (Vec<Build>, Vec<Vec<PublicationByObject>>) {
    let states: [(&[Launch], &[&str]); 3] = [
        (
            &[
                ("a", "one", &["https://p/1", "https://p/2"]),
                ("b", "two", &["https://p/3"]),
            ],
            &["falcon9", "falcon1"],
        ),
        (
            &[
                ("a", "one", &["https://p/1", "https://p/2", "https://p/4"]),
                ("b", "two", &["https://p/3"]),
                ("c", "three", &["https://p/5"]),
            ],
            &["falcon9", "falcon1", "starship"],
        ),
        (
            &[
                ("b", "two", &["https://p/3"]),
                ("c", "three", &["https://p/5"]),
            ],
            &["falcon9", "starship"],
        ),
    ];
    let mut builds = Vec::new();
    let mut marts = vec![Vec::new()];
    for (launches, rockets) in states {
        load(database, launches, rockets);
        builds.push(build(conn));
        marts.push(publication_by_object(conn, None).unwrap());
    }
    (builds, marts)
}

#[test]
fn history_answers_as_of_and_changed_in_build_and_an_unchanged_build_adds_nothing() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let start = Utc::now() - Duration::seconds(1);
    let (builds, marts) = three_builds(&database, &mut conn);
    assert_eq!(builds[0].2, BuildMode::Full);
    assert_eq!(builds[2].2, BuildMode::Incremental);

    // As of each build's time, and just before the next: that build's rockets; before the
    // first build, none.
    let rockets = |rows: &[PublicationByObject]| -> Vec<RocketRow> {
        rows.iter()
            .filter(|row| row.entity == "rocket")
            .cloned()
            .map(RocketRow::from)
            .collect()
    };
    assert_eq!(rockets_as_of(&mut conn, start), []);
    for (n, (_, at, _)) in builds.iter().enumerate() {
        let expected = rockets(&marts[n + 1]);
        assert!(!expected.is_empty());
        assert_eq!(rockets_as_of(&mut conn, *at), expected, "as of build {n}");
        let just_before_next = builds
            .get(n + 1)
            .map_or(Utc::now(), |next| next.1 - Duration::microseconds(1));
        assert_eq!(
            rockets_as_of(&mut conn, just_before_next),
            expected,
            "until the next build"
        );
    }
    // falcon9's count changed, and when (the issue's question), in plain numbers.
    let mut falcon9 = |n: usize| {
        rockets_as_of(&mut conn, builds[n].1)
            .into_iter()
            .find(|r| r.object_id == "falcon9")
            .map(|r| (r.launches, r.launch_publications))
    };
    assert_eq!(falcon9(0), Some((Some(2), Some(3))));
    assert_eq!(falcon9(1), Some((Some(3), Some(5))));
    assert_eq!(falcon9(2), Some((Some(2), Some(2))));

    // What each build changed: exactly the rows that differ from the build before.
    for (n, (build_id, _, _)) in builds.iter().enumerate() {
        let changes = changed_in_build(&mut conn, *build_id);
        assert_eq!(
            changes,
            expected_changes(&marts[n], &marts[n + 1]),
            "build {n}"
        );
        assert!(!changes.is_empty());
    }

    // A build that changes nothing adds nothing: a launch's details changed upstream (it is
    // recounted, its counts the same), then the build history gone (a full build).
    let rows = history_rows(&mut conn);
    load(
        &database,
        &[
            ("b", "two, edited", &["https://p/3"]),
            ("c", "three", &["https://p/5"]),
        ],
        &["falcon9", "starship"],
    );
    let (unchanged, _, mode) = build(&mut conn);
    assert_eq!(mode, BuildMode::Incremental);
    assert_eq!(changed_in_build(&mut conn, unchanged), []);
    assert_eq!(
        history_rows(&mut conn),
        rows,
        "an unchanged build adds no rows"
    );
    diesel::delete(build_run::table).execute(&mut conn).unwrap();
    let (full, _, mode) = build(&mut conn);
    assert_eq!(mode, BuildMode::Full);
    assert_eq!(history_rows(&mut conn), rows, "nor does a full one");
    assert_eq!(changed_in_build(&mut conn, full), []);
    assert_eq!(
        rockets_as_of(&mut conn, Utc::now()),
        rockets(marts.last().unwrap())
    );
}

#[test]
fn one_objects_history_is_its_versions_newest_first_and_outlives_the_object() {
    let (_db, database) = common::migrated();
    let mut conn = common::conn(&database);
    let (builds, marts) = three_builds(&database, &mut conn);
    let row = |n: usize, entity: &str, id: &str| {
        marts[n]
            .iter()
            .find(|row| row.entity == entity && row.object_id == id)
            .cloned()
    };
    let build_id = |n: usize| builds[n].0;

    // falcon9 changed in every build: three versions, each closed by the next build.
    let falcon9 = read::publication_object(&mut conn, "rocket", "falcon9").unwrap();
    assert_eq!(falcon9.build.map(|b| b.build_id), Some(build_id(2)));
    assert_eq!(falcon9.current, row(3, "rocket", "falcon9"));
    let versions: Vec<_> = falcon9
        .versions
        .iter()
        .map(|v| {
            (
                Some(v.values.clone()),
                v.build_id,
                v.closed_by_build_id,
                v.valid_to,
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            (row(3, "rocket", "falcon9"), build_id(2), None, None),
            (
                row(2, "rocket", "falcon9"),
                build_id(1),
                Some(build_id(2)),
                Some(builds[2].1)
            ),
            (
                row(1, "rocket", "falcon9"),
                build_id(0),
                Some(build_id(1)),
                Some(builds[1].1)
            ),
        ]
    );
    assert_eq!(falcon9.versions[2].valid_from, builds[0].1);

    // Launch a left staging in the last build: no row now, its two versions stay.
    let gone = read::publication_object(&mut conn, "launch", "a").unwrap();
    assert_eq!(gone.current, None);
    let versions: Vec<_> = gone
        .versions
        .iter()
        .map(|v| (Some(v.values.clone()), v.closed_by_build_id))
        .collect();
    assert_eq!(
        versions,
        [
            (row(2, "launch", "a"), Some(build_id(2))),
            (row(1, "launch", "a"), Some(build_id(1))),
        ]
    );

    // Never in the marts, or another entity's id: nothing.
    for (entity, id) in [("rocket", "falcon99"), ("launch", "falcon9")] {
        let none = read::publication_object(&mut conn, entity, id).unwrap();
        assert_eq!(
            (none.current, none.versions.len()),
            (None, 0),
            "{entity} {id}"
        );
    }
}
