//! Publishing one extraction into `staging`, in one transaction.
use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

use diesel::dsl::sql;
use diesel::pg::upsert::excluded;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};

pub use db_models::entity::{Entity, Reference, REFERENCES};
use db_models::for_each_entity;
use db_models::models::*;
use db_models::schema::staging::*;

use crate::error::one_line;
use crate::{extract_runs, Error, Result};

/// Rows per INSERT statement: Postgres allows 65 535 bind parameters per statement, and the
/// widest table has 25 columns.
const ROWS_PER_STATEMENT: usize = 1_000;

/// Advisory lock key held by the write transaction: two extractors publish one after the other.
const STAGING_WRITE_LOCK_KEY: i64 = 0x6772_7374_6167;

/// Launches and their child rows.
#[derive(Debug, Clone, Default)]
pub struct LaunchRows {
    /// One row per launch (ids unique).
    pub launches: Vec<NewLaunch>,
    /// The launches' `mission_id` lists.
    pub missions: Vec<NewLaunchMission>,
    /// The launches' links.
    pub links: Vec<NewLaunchLink>,
}

/// A batch of a relation's rows: every owner the batch covers (an owner whose list is empty
/// has no row, and loses the rows it had) and their rows.
#[derive(Debug, Clone)]
pub struct Related<R> {
    /// The owners whose rows the batch holds, each once.
    pub owners: Vec<String>,
    /// Their rows, keyed by owner and position.
    pub rows: Vec<R>,
}

impl<R> Default for Related<R> {
    fn default() -> Self {
        Related {
            owners: Vec::new(),
            rows: Vec::new(),
        }
    }
}

/// Reads the registry ([`db_models::for_each_entity!`]) into [`Rows`] (one variant per
/// entity) and the dispatch of [`Table::write`] and [`Table::sweep`] over them.
macro_rules! tables {
    (
        objects { $(
            $variant:ident $name:ident : $kind:ident $query:tt label $label:tt $need:ident
            row($row:ident $(in $batch:ident)?) convert $convert:tt;
        )+ }
        relations { $(
            $rvariant:ident $rname:ident : $many:ident $rquery:tt of($owner:ident, $owner_column:ident)
            at $path:tt prefix $prefix:tt row($rrow:ident);
        )+ }
    ) => {
        /// A batch of rows of one entity's staging table, written by [`Table::write`].
        #[derive(Debug, Clone)]
        pub enum Rows {
            $(
                #[doc = concat!("Rows of `staging.", stringify!($name), "` (ids unique).")]
                $variant(tables!(@batch $row $($batch)?)),
            )+
            $(
                #[doc = concat!("Rows of `staging.", stringify!($rname), "`.")]
                $rvariant(Related<$rrow>),
            )+
        }

        /// Upserts (entities) or compares and rewrites (relations) one batch.
        fn write_rows(conn: &mut PgConnection, rows: Rows) -> Result<Mirrored> {
            Ok(match rows {
                $(Rows::$variant(rows) => tables!(@write conn, rows, $name $($batch)?),)+
                $(Rows::$rvariant(batch) => relate!(conn, $rname, $owner_column, $rrow, batch),)+
            })
        }

        /// Deletes the rows of `entity`'s table whose id (for a relation, whose owner) is not
        /// kept.
        fn sweep_rows(conn: &mut PgConnection, entity: Entity, keep: &dyn Fn(&str) -> bool) -> Result<usize> {
            Ok(match entity {
                $(Entity::$variant => sweep!(conn, $name, id, keep),)+
                $(Entity::$rvariant => sweep!(conn, $rname, $owner_column, keep),)+
            })
        }
    };
    (@batch $row:ident) => { Vec<$row> };
    (@batch $row:ident $batch:ident) => { $batch };
    (@write $conn:ident, $rows:ident, $table:ident) => {
        mirror!($conn, $table, &$rows)
    };
    (@write $conn:ident, $rows:ident, $table:ident $batch:ident) => {
        $batch::write($conn, $rows, |conn, rows| Ok(mirror!(conn, $table, rows)))?
    };
}

/// What the publish changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The run's final status.
    pub status: RunStatus,
    /// Rows inserted, updated or deleted over all entity tables.
    pub rows_changed: i64,
    /// Per reference column, how many values point at nothing after the publish (also stored
    /// in `staging.extract_run_reference`).
    pub references: Vec<ExtractRunReference>,
    /// How long the transaction spent in the database, commit included: its whole time but
    /// what the loader took to read and convert its batches.
    pub writing: Duration,
}

/// Counts of one mirrored table.
#[derive(Debug, Default)]
struct Mirrored {
    /// Ids inserted or changed (their child rows must be rewritten); for a relation, the
    /// owners whose rows were rewritten.
    changed: Vec<String>,
    /// The ids of `changed` that were there before (updated, not inserted).
    updated_ids: Vec<String>,
    inserted: i32,
    updated: i32,
    deleted: i32,
}

impl Mirrored {
    /// Adds the counts of a later batch of the same table.
    fn add(&mut self, batch: &Mirrored) {
        self.inserted += batch.inserted;
        self.updated += batch.updated;
        self.deleted += batch.deleted;
    }
}

/// Upserts `$rows` into staging table `$table`, setting every column but the key
/// ([`db_models::upsert_set!`], generated from the migrations) and skipping rows whose `raw`
/// is unchanged. The rows that vanished upstream are deleted by [`Table::sweep`] once every
/// batch is written.
/// One macro rather than a copy per table: diesel's per-table types make a generic function
/// far harder to read than this.
macro_rules! mirror {
    ($conn:expr, $table:ident, $rows:expr) => {{
        let rows = $rows;
        let mut mirrored = Mirrored::default();
        for chunk in rows.chunks(ROWS_PER_STATEMENT) {
            let upsert = diesel::insert_into($table::table)
                .values(chunk)
                .on_conflict($table::id)
                .do_update()
                .set(db_models::upsert_set!($table));
            // ON CONFLICT … DO UPDATE … WHERE: an unchanged record is not rewritten at all.
            let written: Vec<(String, bool)> = diesel::query_dsl::methods::FilterDsl::filter(
                upsert,
                $table::raw.ne(excluded($table::raw)),
            )
            // xmax = 0 only on freshly inserted row versions.
            .returning(($table::id, sql::<Bool>("xmax = 0")))
            .get_results($conn)?;
            for (id, inserted) in written {
                if inserted {
                    mirrored.inserted += 1;
                } else {
                    mirrored.updated += 1;
                    mirrored.updated_ids.push(id.clone());
                }
                mirrored.changed.push(id);
            }
        }
        mirrored
    }};
}

/// Makes relation table `$table` hold exactly the batch's rows for the batch's owners (keyed
/// by owner column `$owner` and position): the owners whose rows differ from the stored ones
/// get theirs deleted and rewritten, the others are not touched. A row present before and
/// after with other values counts as one deleted and one inserted. Only the stored rows of the
/// batch's owners are read.
macro_rules! relate {
    ($conn:expr, $table:ident, $owner:ident, $row:ty, $batch:expr) => {{
        let Related { owners, rows } = $batch;
        let mut stored: HashSet<$row> = HashSet::new();
        for ids in owners.chunks(ROWS_PER_STATEMENT) {
            stored.extend(
                $table::table
                    .filter($table::$owner.eq_any(ids))
                    .select(<$row>::as_select())
                    .load::<$row>($conn)?,
            );
        }
        let wanted: HashSet<&$row> = rows.iter().collect();
        let mut mirrored = Mirrored::default();
        let mut changed: BTreeSet<String> = BTreeSet::new();
        for row in &stored {
            if !wanted.contains(row) {
                mirrored.deleted += 1;
                changed.insert(row.$owner.clone());
            }
        }
        for row in &rows {
            if !stored.contains(row) {
                mirrored.inserted += 1;
                changed.insert(row.$owner.clone());
            }
        }
        mirrored.changed = changed.into_iter().collect();
        for ids in mirrored.changed.chunks(ROWS_PER_STATEMENT) {
            diesel::delete($table::table.filter($table::$owner.eq_any(ids))).execute($conn)?;
        }
        let changed: HashSet<&str> = mirrored.changed.iter().map(String::as_str).collect();
        let rewrite: Vec<$row> = rows
            .into_iter()
            .filter(|row| changed.contains(row.$owner.as_str()))
            .collect();
        for chunk in rewrite.chunks(ROWS_PER_STATEMENT) {
            diesel::insert_into($table::table)
                .values(chunk)
                .execute($conn)?;
        }
        mirrored
    }};
}

/// Ids read per statement by [`sweep!`].
const SWEEP_PAGE: i64 = 10_000;

/// Deletes the rows of `$table` whose `$column` (an id or a relation's owner) `$keep` does not
/// keep, reading the stored values a page at a time in order (so the kept ids are never sent
/// to the database, nor all stored ones held at once); the number of rows deleted. Ids are
/// never empty (the extractor refuses such records), so paging starts after "".
macro_rules! sweep {
    ($conn:expr, $table:ident, $column:ident, $keep:expr) => {{
        let mut deleted = 0;
        let mut after = String::new();
        loop {
            let page: Vec<String> = $table::table
                .select($table::$column)
                .filter($table::$column.gt(&after))
                .distinct()
                .order($table::$column)
                .limit(SWEEP_PAGE)
                .load($conn)?;
            let gone: Vec<&String> = page.iter().filter(|id| !$keep(id.as_str())).collect();
            if !gone.is_empty() {
                deleted += diesel::delete($table::table.filter($table::$column.eq_any(gone)))
                    .execute($conn)?;
            }
            match page.last() {
                Some(last) if page.len() as i64 == SWEEP_PAGE => after = last.clone(),
                _ => break deleted,
            }
        }
    }};
}

for_each_entity!(tables);

impl LaunchRows {
    /// Upserts the launches (`upsert`) and rewrites the children of those inserted or
    /// changed.
    fn write(
        conn: &mut PgConnection,
        rows: LaunchRows,
        upsert: impl FnOnce(&mut PgConnection, &[NewLaunch]) -> Result<Mirrored>,
    ) -> Result<Mirrored> {
        let mirrored = upsert(conn, &rows.launches)?;
        rewrite_launch_children(conn, &mirrored.changed, &mirrored.updated_ids, &rows)?;
        Ok(mirrored)
    }
}

impl FromIterator<(NewLaunch, Vec<NewLaunchMission>, Vec<NewLaunchLink>)> for LaunchRows {
    fn from_iter<I>(launches: I) -> Self
    where
        I: IntoIterator<Item = (NewLaunch, Vec<NewLaunchMission>, Vec<NewLaunchLink>)>,
    {
        let mut batch = LaunchRows::default();
        for (launch, missions, links) in launches {
            batch.launches.push(launch);
            batch.missions.extend(missions);
            batch.links.extend(links);
        }
        batch
    }
}

/// Why loading one entity stopped early (see [`Staging::load`]).
#[derive(Debug)]
pub enum Stop {
    /// The entity as a whole is refused, with its status (not `Succeeded`) and the reason: its
    /// writes are rolled back and it keeps its previous rows; the rest of the run still
    /// publishes.
    Refused(EntityStatus, String),
    /// The database failed: the whole publish fails and nothing is written.
    Failed(Error),
}

impl From<Error> for Stop {
    fn from(error: Error) -> Self {
        Stop::Failed(error)
    }
}

impl From<diesel::result::Error> for Stop {
    fn from(error: diesel::result::Error) -> Self {
        Stop::Failed(error.into())
    }
}

/// The publish transaction, as [`publish_with`] hands it to the loader: entities are loaded
/// one after the other, each in a savepoint, each batch by batch.
pub struct Staging<'c> {
    conn: &'c mut PgConnection,
    entities: &'c mut [ExtractRunEntity],
    rows_changed: i64,
    loaded_any: bool,
    /// Time spent in the statements of [`Table`].
    writing: Duration,
}

impl Staging<'_> {
    /// The status of `entity`'s report so far (`None` if it has none).
    pub fn status_of(&self, entity: Entity) -> Option<EntityStatus> {
        self.entities
            .iter()
            .find(|e| e.entity == entity.as_str())
            .map(|e| e.status)
    }

    /// How many rows `entity`'s staging table holds (before this run changes it).
    pub fn staged(&mut self, entity: Entity) -> Result<i64> {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let sql = format!("SELECT count(*) AS n FROM staging.{entity}");
        Ok(diesel::sql_query(sql).get_result::<Count>(self.conn)?.n)
    }

    /// Loads entity `entity` (a staging table) in a savepoint: `load` writes its batches and
    /// sweeps through the [`Table`], and may update the entity's report (its row of `entities`
    /// given to [`publish_with`], if any). When it returns [`Stop::Refused`], every write of
    /// the entity is rolled back, it keeps its previous rows, and its report has the status
    /// and reason given (nothing loaded or rejected); the run goes on. Afterwards the report
    /// holds the rows inserted, updated and deleted.
    pub fn load(
        &mut self,
        entity: Entity,
        load: impl FnOnce(&mut Table<'_>, &mut ExtractRunEntity) -> std::result::Result<(), Stop>,
    ) -> Result<()> {
        let mut scratch = ExtractRunEntity {
            entity: entity.to_string(),
            ..ExtractRunEntity::default()
        };
        let report = match self
            .entities
            .iter_mut()
            .find(|e| e.entity == entity.as_str())
        {
            Some(report) => report,
            None => &mut scratch,
        };
        // A nested transaction is a savepoint: an error rolls back this entity alone.
        let writing = &mut self.writing;
        let loaded = self.conn.transaction::<_, Stop, _>(|conn| {
            let mut table = Table {
                conn,
                table: entity,
                counts: Mirrored::default(),
                writing,
            };
            load(&mut table, &mut *report)?;
            Ok(table.counts)
        });
        match loaded {
            Ok(counts) => {
                self.rows_changed += i64::from(counts.inserted + counts.updated + counts.deleted);
                self.loaded_any = true;
                report.inserted = counts.inserted;
                report.updated = counts.updated;
                report.deleted = counts.deleted;
                Ok(())
            }
            Err(Stop::Refused(status, reason)) => {
                report.status = status;
                report.error = Some(reason);
                report.loaded = 0;
                report.rejected = 0;
                Ok(())
            }
            Err(Stop::Failed(error)) => Err(error),
        }
    }
}

/// One entity's table while [`Staging::load`] loads it.
pub struct Table<'c> {
    conn: &'c mut PgConnection,
    table: Entity,
    counts: Mirrored,
    writing: &'c mut Duration,
}

impl Table<'_> {
    /// Writes one batch of the table: upserts an entity's rows (unchanged ones are not
    /// rewritten; a launch's children follow it), or for a relation replaces the rows of the
    /// batch's owners that differ from the stored ones.
    pub fn write(&mut self, rows: Rows) -> Result<()> {
        let started = Instant::now();
        let batch = write_rows(self.conn, rows)?;
        self.counts.add(&batch);
        *self.writing += started.elapsed();
        Ok(())
    }

    /// Stores refused records in `staging.rejected`.
    pub fn reject(&mut self, refused: &[NewRejected]) -> Result<()> {
        let started = Instant::now();
        insert_rejected(self.conn, refused)?;
        *self.writing += started.elapsed();
        Ok(())
    }

    /// After the last batch: deletes the rows whose id (for a relation, whose owner) `keep`
    /// does not keep, i.e. what vanished upstream.
    pub fn sweep(&mut self, keep: impl Fn(&str) -> bool) -> Result<()> {
        let started = Instant::now();
        self.counts.deleted += count(sweep_rows(self.conn, self.table, &keep)?);
        *self.writing += started.elapsed();
        Ok(())
    }
}

/// Whether an entity's outcome makes its run `partial` (or `failed`): it failed, was withheld,
/// or is one of `required` and unavailable upstream. A best-effort entity the upstream cannot
/// serve keeps its rows without faulting the run.
pub fn at_fault(report: &ExtractRunEntity, required: &[Entity]) -> bool {
    match report.status {
        EntityStatus::Succeeded => false,
        EntityStatus::Unavailable => required.iter().any(|e| e.as_str() == report.entity),
        EntityStatus::Failed | EntityStatus::Withheld => true,
    }
}

/// Publishes one run in ONE transaction: `load` loads each entity through
/// [`Staging::load`], batch by batch; then the per-entity reports (`entities`: every entity of
/// the run, those not loaded with their `error`, bounded to one line), the unresolved
/// references and the run's status are written, and the status returned: `succeeded` unless
/// an entity is [`at_fault`] (`required`: the entities whose unavailability counts), then
/// `partial`, or `failed` when nothing loaded. An entity at fault stores no fingerprint, so
/// the next run loads again instead of finding the upstream unchanged. On error nothing is
/// written: the reports keep what was fetched, loaded and rejected but count no row written,
/// and the caller records the failure with [`extract_runs::record_failure`].
pub fn publish_with(
    conn: &mut PgConnection,
    run_id: i64,
    entities: &mut [ExtractRunEntity],
    required: &[Entity],
    load: impl FnOnce(&mut Staging<'_>) -> Result<()>,
) -> Result<Published> {
    let started = Instant::now();
    let mut converting = Duration::ZERO;
    let published = conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(STAGING_WRITE_LOCK_KEY)
            .execute(conn)?;
        let mut staging = Staging {
            conn,
            entities: &mut *entities,
            rows_changed: 0,
            loaded_any: false,
            writing: Duration::ZERO,
        };
        let loading = Instant::now();
        load(&mut staging)?;
        converting = loading.elapsed().saturating_sub(staging.writing);
        let Staging {
            conn,
            entities,
            rows_changed,
            loaded_any,
            ..
        } = staging;
        let mut faults = Vec::new();
        for report in entities.iter_mut() {
            report.error = report.error.as_deref().map(one_line);
            if at_fault(report, required) {
                report.fingerprint = None;
                let reason = report.error.as_deref().unwrap_or(report.status.as_str());
                faults.push(format!("{}: {reason}", report.entity));
            }
        }
        diesel::insert_into(extract_run_entity::table)
            .values(&*entities)
            .execute(conn)?;
        let status = if faults.is_empty() {
            RunStatus::Succeeded
        } else if !loaded_any {
            RunStatus::Failed
        } else {
            RunStatus::Partial
        };
        let error = (!faults.is_empty()).then(|| faults.join("; "));
        let references = count_unresolved(conn, run_id)?;
        extract_runs::finish(conn, run_id, status, rows_changed, error.as_deref())?;
        Ok(Published {
            status,
            rows_changed,
            references,
            writing: Duration::ZERO,
        })
    });
    match published {
        Ok(published) => Ok(Published {
            writing: started.elapsed().saturating_sub(converting),
            ..published
        }),
        Err(error) => {
            for report in entities.iter_mut() {
                (report.inserted, report.updated, report.deleted) = (0, 0, 0);
            }
            Err(error)
        }
    }
}

/// Stores refused records in `staging.rejected`.
fn insert_rejected(conn: &mut PgConnection, refused: &[NewRejected]) -> Result<()> {
    for chunk in refused.chunks(ROWS_PER_STATEMENT) {
        diesel::insert_into(rejected::table)
            .values(chunk)
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the `launch_mission` and `launch_link` rows of the launches in `changed`
/// (new or modified); unchanged launches keep theirs untouched. Only the modified ones
/// (`updated`) can have children to delete: a new launch has none, so a first load deletes
/// nothing (a DELETE per batch would scan the growing child tables while they have no
/// statistics).
fn rewrite_launch_children(
    conn: &mut PgConnection,
    changed: &[String],
    updated: &[String],
    rows: &LaunchRows,
) -> Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    for ids in updated.chunks(ROWS_PER_STATEMENT) {
        diesel::delete(launch_mission::table.filter(launch_mission::launch_id.eq_any(ids)))
            .execute(conn)?;
        diesel::delete(launch_link::table.filter(launch_link::launch_id.eq_any(ids)))
            .execute(conn)?;
    }
    let changed: HashSet<&str> = changed.iter().map(String::as_str).collect();
    let missions: Vec<&NewLaunchMission> = rows
        .missions
        .iter()
        .filter(|m| changed.contains(m.launch_id.as_str()))
        .collect();
    for chunk in missions.chunks(ROWS_PER_STATEMENT) {
        diesel::insert_into(launch_mission::table)
            .values(chunk.iter().copied().cloned().collect::<Vec<_>>())
            .execute(conn)?;
    }
    let links: Vec<&NewLaunchLink> = rows
        .links
        .iter()
        .filter(|l| changed.contains(l.launch_id.as_str()))
        .collect();
    for chunk in links.chunks(ROWS_PER_STATEMENT) {
        diesel::insert_into(launch_link::table)
            .values(chunk.iter().copied().cloned().collect::<Vec<_>>())
            .execute(conn)?;
    }
    Ok(())
}

/// Counts, for every [`REFERENCES`] column, the values that name no row of their target (as
/// staging is after this run's writes) and stores the counts with the run.
fn count_unresolved(conn: &mut PgConnection, run_id: i64) -> Result<Vec<ExtractRunReference>> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut counts = Vec::with_capacity(REFERENCES.len());
    for r in REFERENCES {
        let dangling = format!(
            "NOT EXISTS (SELECT 1 FROM staging.{target} t WHERE t.id = r.{column})",
            target = r.target.as_str(),
            column = r.column
        );
        let condition = if r.listed {
            format!("r.{} IS NULL OR {dangling}", r.column)
        } else {
            format!("r.{} IS NOT NULL AND {dangling}", r.column)
        };
        let sql = format!(
            "SELECT count(*) AS n FROM staging.{} r WHERE {condition}",
            r.table
        );
        let found: Count = diesel::sql_query(sql).get_result(conn)?;
        counts.push(ExtractRunReference {
            run_id,
            reference: format!("{}.{}", r.table, r.column),
            target: r.target.to_string(),
            unresolved: i32::try_from(found.n).unwrap_or(i32::MAX),
        });
    }
    diesel::insert_into(extract_run_reference::table)
        .values(&counts)
        .execute(conn)?;
    Ok(counts)
}

/// Row counts from diesel are `usize`; the run tables store `integer`.
fn count(rows: usize) -> i32 {
    i32::try_from(rows).unwrap_or(i32::MAX)
}
