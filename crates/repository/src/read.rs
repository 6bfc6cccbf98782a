//! What the read API and the health endpoints read: pages of the marts and the facts that say
//! how fresh they are. Nothing here writes.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};

use db_models::models::{PublicationByObject, PublicationByObjectVersion};
use db_models::schema::marts::{publication, publication_by_object};

use crate::marts::SinceLastBuild;
use crate::Result;

/// A column of `marts.publication_by_object` the read API may sort by: a whitelist, because
/// the name ends up in the SQL text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    /// Sum of the kinds (the default).
    Total,
    /// Upstream id.
    ObjectId,
    /// Name.
    Name,
    /// Article links.
    Articles,
    /// Wikipedia pages.
    Wikipedia,
    /// Press kits.
    Presskits,
    /// Videos.
    Videos,
    /// Reddit threads.
    Reddit,
    /// Photos.
    Photos,
    /// Web sites.
    Websites,
    /// Twitter accounts.
    Twitter,
    /// Launches referencing a mission or rocket.
    Launches,
    /// Sum of those launches' totals.
    LaunchPublications,
}

impl SortColumn {
    /// Every sortable column.
    pub const ALL: [SortColumn; 13] = [
        SortColumn::Total,
        SortColumn::ObjectId,
        SortColumn::Name,
        SortColumn::Articles,
        SortColumn::Wikipedia,
        SortColumn::Presskits,
        SortColumn::Videos,
        SortColumn::Reddit,
        SortColumn::Photos,
        SortColumn::Websites,
        SortColumn::Twitter,
        SortColumn::Launches,
        SortColumn::LaunchPublications,
    ];

    /// The column name (also the API's `sort` value).
    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::Total => "total",
            SortColumn::ObjectId => "object_id",
            SortColumn::Name => "name",
            SortColumn::Articles => "articles",
            SortColumn::Wikipedia => "wikipedia",
            SortColumn::Presskits => "presskits",
            SortColumn::Videos => "videos",
            SortColumn::Reddit => "reddit",
            SortColumn::Photos => "photos",
            SortColumn::Websites => "websites",
            SortColumn::Twitter => "twitter",
            SortColumn::Launches => "launches",
            SortColumn::LaunchPublications => "launch_publications",
        }
    }

    /// The column called `name`, if it is sortable.
    pub fn parse(name: &str) -> Option<SortColumn> {
        SortColumn::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

impl Order {
    /// `asc` or `desc` (also the API's `order` value).
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        }
    }
}

/// Runs `read` in one read-only REPEATABLE READ transaction: everything it reads comes from
/// one snapshot, so the parts of an answer (a page, its count and its build; a dashboard's
/// numbers) agree even while the martmaker publishes a new build.
pub(crate) fn snapshot<T>(
    conn: &mut PgConnection,
    read: impl FnOnce(&mut PgConnection) -> Result<T>,
) -> Result<T> {
    conn.build_transaction()
        .read_only()
        .repeatable_read()
        .run(read)
}

/// One page of `marts.publication_by_object`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Rows of the entity in the whole mart (for paging).
    pub total: i64,
    /// The rows of this page.
    pub rows: Vec<PublicationByObject>,
    /// The build they come from; `None` before the first build (and no rows then).
    pub build: Option<PublishedBuild>,
}

/// The build the published marts come from: the one that wrote `marts.publication`, in the
/// same transaction as `marts.publication_by_object`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishedBuild {
    /// Its `marts.build_run` id.
    pub build_id: i64,
    /// When it was published.
    pub built_at: DateTime<Utc>,
}

/// The published build (`None` before the first build). The reader's role may read it.
pub fn published_build(conn: &mut PgConnection) -> Result<Option<PublishedBuild>> {
    Ok(published(conn)?)
}

fn published(conn: &mut PgConnection) -> QueryResult<Option<PublishedBuild>> {
    let build = publication::table
        .select((publication::build_id, publication::built_at))
        .first::<(i64, DateTime<Utc>)>(conn)
        .optional()?;
    Ok(build.map(|(build_id, built_at)| PublishedBuild { build_id, built_at }))
}

/// The rows of one entity sorted by `sort` (`NULL`s last in both directions, ties by
/// `object_id`), `limit` rows from `offset`, and the build they come from. Count, page and
/// build come from one snapshot, so they agree even while the martmaker publishes a new build.
pub fn publication_by_object_page(
    conn: &mut PgConnection,
    entity: &str,
    sort: SortColumn,
    order: Order,
    limit: i64,
    offset: i64,
) -> Result<Page> {
    // Safe to splice: both words come from the whitelists above, never from the request.
    let order_by = format!(
        "{} {} NULLS LAST, object_id ASC",
        sort.as_str(),
        order.as_str()
    );
    snapshot(conn, |conn| {
        let total = publication_by_object::table
            .filter(publication_by_object::entity.eq(entity))
            .count()
            .get_result(conn)?;
        let rows = publication_by_object::table
            .filter(publication_by_object::entity.eq(entity))
            .select(PublicationByObject::as_select())
            .order(diesel::dsl::sql::<diesel::sql_types::Untyped>(&order_by))
            .limit(limit)
            .offset(offset)
            .load(conn)?;
        let build = published(conn)?;
        Ok(Page { total, rows, build })
    })
}

/// One object of the marts: its row in the published build and every version of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHistory {
    /// Its row in `marts.publication_by_object`; `None` when the published build has none
    /// (the object left staging, or never was there).
    pub current: Option<PublicationByObject>,
    /// Its versions in `marts.publication_by_object_history`, newest first.
    pub versions: Vec<PublicationByObjectVersion>,
    /// The published build; `None` before the first build.
    pub build: Option<PublishedBuild>,
}

/// Object `object_id` of `entity`: its published row and its history, read in one snapshot.
pub fn publication_object(
    conn: &mut PgConnection,
    entity: &str,
    object_id: &str,
) -> Result<ObjectHistory> {
    snapshot(conn, |conn| {
        let current = publication_by_object::table
            .filter(publication_by_object::entity.eq(entity))
            .filter(publication_by_object::object_id.eq(object_id))
            .select(PublicationByObject::as_select())
            .first(conn)
            .optional()?;
        let versions = diesel::sql_query(
            "SELECT * FROM marts.publication_by_object_history
                 WHERE entity = $1 AND object_id = $2
                 ORDER BY valid_from DESC",
        )
        .bind::<Text, _>(entity)
        .bind::<Text, _>(object_id)
        .load(conn)?;
        let build = published(conn)?;
        Ok(ObjectHistory {
            current,
            versions,
            build,
        })
    })
}

/// The last successful extraction (see [`extract_freshness`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastExtract {
    /// When staging was last known to match the upstream: the run's end, or a later check
    /// that found the upstream unchanged since.
    pub current_at: DateTime<Utc>,
    /// Staging rows it changed; 0 means the source had nothing new.
    pub rows_changed: i64,
}

/// What staging's freshness is judged by, read in one statement (a service checks it every
/// tick): the database's clock (ages are computed against it, not this host's, since it
/// wrote the timestamps) and the last extract run that refreshed the launches, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractFreshness {
    /// The database's `now()`.
    pub now: DateTime<Utc>,
    /// The last run that refreshed the launches.
    pub last_extract: Option<LastExtract>,
}

/// The statement behind [`ExtractFreshness`]: the view `staging.freshness` (migration 000014),
/// which holds the rule (the last run that refreshed the launches, `staging.launch_refresh`,
/// and a later check that found the upstream unchanged). The extractor's heartbeat
/// ([`crate::extract_runs::claim`]) reads the same view, so "recorded recently" is judged
/// exactly as `/readyz` judges "fresh".
#[derive(QueryableByName)]
struct FreshnessRow {
    #[diesel(sql_type = Timestamptz)]
    now: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    current_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<BigInt>)]
    rows_changed: Option<i64>,
}

impl From<FreshnessRow> for ExtractFreshness {
    fn from(row: FreshnessRow) -> ExtractFreshness {
        ExtractFreshness {
            now: row.now,
            last_extract: row
                .current_at
                .zip(row.rows_changed)
                .map(|(current_at, rows_changed)| LastExtract {
                    current_at,
                    rows_changed,
                }),
        }
    }
}

/// Reads [`ExtractFreshness`] from `staging.freshness`. Every service role and the reader's
/// may read it.
pub fn extract_freshness(conn: &mut PgConnection) -> Result<ExtractFreshness> {
    let row: FreshnessRow =
        diesel::sql_query("SELECT * FROM staging.freshness").get_result(conn)?;
    Ok(row.into())
}

/// What a martmaker timer tick needs before it decides to build, read in one statement (on an
/// idle tick, the only one): staging's freshness, and whether the last successful build of the
/// mart read staging as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MartTick {
    /// As [`extract_freshness`] reads it.
    pub freshness: ExtractFreshness,
    /// The last extract run that changed staging (what a build reads "as of"), if any.
    pub staging_change: Option<i64>,
    /// The last successful build of the mart was built from exactly that run: nothing to do.
    pub up_to_date: bool,
    /// An extract run has refreshed the launches: there is data to build the marts from.
    pub launches_loaded: bool,
}

/// Reads [`MartTick`] for `mart` (a `marts.build_run.mart` value): `staging.freshness` and
/// `marts.since_last_build(mart)`, the function [`crate::marts::refresh_publication`] asks
/// before it builds; `crates/repository/tests/read.rs` checks that the two agree in every
/// state. Reads `staging` and `marts.build_run`: the martmaker's role may.
pub fn mart_tick(conn: &mut PgConnection, mart: &str) -> Result<MartTick> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        freshness: FreshnessRow,
        #[diesel(embed)]
        since_last_build: SinceLastBuild,
    }
    let row: Row = diesel::sql_query("SELECT * FROM staging.freshness, marts.since_last_build($1)")
        .bind::<Text, _>(mart)
        .get_result(conn)?;
    let SinceLastBuild {
        staging_change,
        up_to_date,
        launches_loaded,
    } = row.since_last_build;
    Ok(MartTick {
        freshness: row.freshness.into(),
        staging_change,
        up_to_date,
        launches_loaded,
    })
}
