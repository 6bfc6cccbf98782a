//! Validating upstream records and turning them into staging rows.
//!
//! The upstream is untrusted. A record is refused (into `staging.rejected`, with the reason)
//! when its id is missing, empty, oversized or already seen in this run; when any of its
//! strings holds a NUL character (Postgres cannot store it) or invalid text (bad UTF-8, a lone
//! surrogate escape: marked by `sxapi::decode`) or exceeds its cap (never truncated
//! silently); when a date does not parse; or when a number is out of range. The rest loads.
//!
//! **Wrong shape.** An entity whose response holds records but not one with both an id and
//! its label (the field every genuine record has: a launch's `mission_name`, a landpad's
//! `full_name`, a relation's list, …; see [`Entity::label`]) is not what was asked for: e.g. the
//! current endpoint's `launchpads` answers landpads, whose launchpad fields are all null. The
//! entity then fails as a whole, like a failed fetch: it keeps its previous staging rows and
//! the run is `partial`. An empty response is not wrong-shaped (missions are empty today).
//!
//! Every row is read straight off the record's JSON (`flat_row`): nested objects flattened
//! into `parent_child` keys, which are the staging column names, into a row type generated
//! from the migrations (`db_models::models`) that refuses a key it lacks. Launches, missions
//! and rockets first pass the rules their columns cannot state (caps, ranges, date formats),
//! checked on their typed record; a launch's missions and links become child rows (every
//! value of `links`, whatever its field, so a new link field needs no code either). A
//! relation's record (owner id + list) becomes one row per list element (`relation_rows`); a
//! null element is kept as a row with a null reference, and its owner must have loaded in the
//! same run.
//!
//! **Streaming.** [`load`] reads each entity's spool back record by record and writes it in
//! batches of [`BATCH`] rows inside the publish transaction, so a run never holds more than a
//! batch of records; per entity it keeps only the ids seen (for duplicates, the sweep of
//! vanished rows and the owners of relations). An entity refused as a whole (wrong shape, an
//! unreadable spool) is rolled back to its savepoint: it keeps its previous rows.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use db_models::entity::{Entity, Kind, Relation};
use db_models::for_each_entity;
use db_models::models::*;
use repository::error::one_line;
use repository::staging::{at_fault, LaunchRows, Related, Rows, Staging, Stop, Table};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sxapi::records::Date;
use sxapi::{Launch, Mission, Rocket};

use crate::source::{Pulled, Spooled};

/// Longest accepted id, in characters.
pub const MAX_ID_CHARS: usize = 128;
/// Longest accepted free text (details, descriptions), in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Longest accepted short text (names, types, years, countries), in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 1_000;
/// Longest accepted URL, in characters.
pub const MAX_URL_CHARS: usize = 4_096;

/// A refusal reason.
type Refusal = String;

/// Records converted before they are written. Small enough that a batch of launches (with
/// their JSON and links) stays a few MiB, large enough that statements stay few.
const BATCH: usize = 250;

/// The report of every entity pulled, as far as the fetch tells: `succeeded` with what was
/// fetched (loading adds what was loaded, rejected and written), or `unavailable` (with the
/// fingerprint of that answer) or `failed` with the fetch's error. In load order.
pub fn reports(run_id: i64, pulled: &Pulled) -> Vec<ExtractRunEntity> {
    Entity::ALL
        .iter()
        .filter_map(|entity| {
            let report = ExtractRunEntity {
                run_id,
                entity: entity.to_string(),
                ..ExtractRunEntity::default()
            };
            Some(match pulled.entities.get(entity)? {
                Ok(spooled) => ExtractRunEntity {
                    status: EntityStatus::Succeeded,
                    fetched: clamp(spooled.records + spooled.null_positions.len()),
                    pages: clamp(spooled.pages as usize),
                    retries: clamp(spooled.retries as usize),
                    fingerprint: Some(spooled.fingerprint.clone()),
                    ..report
                },
                Err(error) => ExtractRunEntity {
                    status: match error.is_unavailable() {
                        true => EntityStatus::Unavailable,
                        false => EntityStatus::Failed,
                    },
                    error: Some(error.to_string()),
                    fingerprint: error.unavailable_fingerprint(),
                    ..report
                },
            })
        })
        .collect()
}

/// The shrink guard: an entity (not a relation) whose fetch brings fewer records than `share`
/// of the rows staging holds, or none where it holds some, is withheld (not applied, its rows
/// kept) unless it is `accepted`. A `share` of 0 turns it off.
#[derive(Debug, Clone, Default)]
pub struct ShrinkGuard {
    /// `extractor.shrink_guard`.
    pub share: f64,
    /// Entities whose shrink is accepted for this process (`--accept-shrink`).
    pub accepted: Vec<String>,
}

impl ShrinkGuard {
    /// Why `fetched` records of `entity` must not replace the `staged` rows, if they must not.
    fn refuses(&self, entity: Entity, fetched: usize, staged: i64) -> Option<String> {
        let shrunk = self.share > 0.0
            && staged > 0
            && (fetched as f64) < self.share * staged as f64
            && !self
                .accepted
                .iter()
                .any(|accepted| accepted == entity.as_str());
        shrunk.then(|| {
            format!(
                "withheld: the API returned {fetched} records where staging holds {staged} \
                 (under {:.0}%), so its rows are kept; to apply it, run \
                 `extractor --once --accept-shrink {entity}`",
                self.share * 100.0
            )
        })
    }
}

/// Loads every entity fetched without error into staging, in load order, each from its spool
/// and in its own savepoint (see the module docs), with every refusal accounted for; an
/// entity the shrink guard refuses is withheld.
pub fn load(
    staging: &mut Staging<'_>,
    run_id: i64,
    pulled: Pulled,
    guard: &ShrinkGuard,
) -> repository::Result<()> {
    let mut spools: HashMap<Entity, Spooled> = pulled
        .entities
        .into_iter()
        .filter_map(|(entity, fetched)| Some((entity, fetched.ok()?)))
        .collect();
    // The ids seen of each owner entity, for its relations.
    let mut owners: HashMap<Entity, Seen> = HashMap::new();
    for &entity in Entity::ALL {
        let Some(spooled) = spools.remove(&entity) else {
            continue; // not fetched, or its fetch failed (its report says so)
        };
        if entity.owner().is_none() {
            let staged = staging.staged(entity)?;
            if let Some(reason) = guard.refuses(entity, spooled.records, staged) {
                log::warn!("{entity}: {reason}.");
                staging.load(entity, |_, _| {
                    Err(Stop::Refused(EntityStatus::Withheld, reason))
                })?;
                continue;
            }
        }
        let loader = Loader {
            run_id,
            entity,
            spooled,
        };
        let loaded = loader.load_entity(staging, &owners)?;
        // Kept only while a relation of the entity is still to load.
        let owns_pending = Entity::ALL
            .iter()
            .any(|e| e.owner() == Some(entity) && spools.contains_key(e));
        if let Some(ids) = loaded.filter(|_| owns_pending) {
            owners.insert(entity, ids);
        }
    }
    Ok(())
}

/// Reads the registry ([`db_models::for_each_entity!`]) into [`Loader::load_entity`]: how
/// each entity's records become rows.
macro_rules! conversions {
    (
        objects { $(
            $variant:ident $name:ident : $kind:ident $query:tt label $label:tt $need:ident
            row($row:ident $(in $batch:ident)?) convert($($convert:tt)+);
        )+ }
        relations { $(
            $rvariant:ident $rname:ident : $many:ident $rquery:tt of $owner:tt
            at $path:tt prefix $prefix:tt row($rrow:ident);
        )+ }
    ) => {
        impl Loader {
            /// Loads the entity's spool: validated, converted, written, swept (see
            /// [`Loader::load`] and [`Loader::relate`]).
            fn load_entity(
                self,
                staging: &mut Staging<'_>,
                owners: &HashMap<Entity, Seen>,
            ) -> repository::Result<Option<Seen>> {
                match self.entity {
                    $(Entity::$variant => {
                        self.load(staging, $($convert)+, conversions!(@wrap $variant $($batch)?))
                    })+
                    $(Entity::$rvariant => self.relate::<$rrow>(staging, owners, Rows::$rvariant),)+
                }
            }
        }
    };
    (@wrap $variant:ident) => { Rows::$variant };
    (@wrap $variant:ident $batch:ident) => {
        |rows: Vec<_>| Rows::$variant(rows.into_iter().collect::<$batch>())
    };
}

for_each_entity!(conversions);

/// A row converter for an entity decoded into its typed record (`Launch`, …) first. The
/// record decoded when it was fetched, so decoding it again from the same JSON succeeds.
fn typed<T: DeserializeOwned, R>(
    convert: fn(i64, &str, &T, &Value) -> Result<R, Refusal>,
) -> impl Fn(i64, &str, &Value) -> Result<R, Refusal> {
    move |run_id, id, raw| {
        let value = T::deserialize(raw).map_err(|error| format!("does not decode: {error}"))?;
        convert(run_id, id, &value, raw)
    }
}

/// Per id seen in one entity's records, whether its record loaded.
type Seen = HashMap<String, bool>;

/// One entity's spool on its way into staging.
struct Loader {
    run_id: i64,
    entity: Entity,
    spooled: Spooled,
}

impl Loader {
    /// Loads a relation: one record per owner, [`relation_rows`] each, for the owners loaded
    /// in this run. When the owner was not loaded in this run at all, neither is the relation,
    /// which keeps its previous rows alongside the owner's.
    fn relate<R>(
        self,
        staging: &mut Staging<'_>,
        owners: &HashMap<Entity, Seen>,
        wrap: fn(Related<R>) -> Rows,
    ) -> repository::Result<Option<Seen>>
    where
        R: DeserializeOwned,
    {
        let Some(relation) = self.entity.relation() else {
            unreachable!("only relations are related, not {}", self.entity)
        };
        let Some(owners) = owners.get(&relation.owner) else {
            // It shares its owner's fate: kept as it was, for the same reason.
            let status = match staging.status_of(relation.owner) {
                Some(status @ (EntityStatus::Unavailable | EntityStatus::Withheld)) => status,
                _ => EntityStatus::Failed,
            };
            let reason = format!("not published because its owner {} was not", relation.owner);
            staging.load(self.entity, |_, report| {
                (report.fetched, report.pages, report.retries) = (0, 0, 0);
                Err(Stop::Refused(status, reason))
            })?;
            return Ok(None);
        };
        let convert = |_, id: &str, raw: &Value| match owners.get(id) == Some(&true) {
            true => Ok((id.to_string(), relation_rows::<R>(&relation, id, raw)?)),
            false => Err(format!(
                "its {} {id} was not loaded in this run",
                relation.owner
            )),
        };
        self.load(staging, convert, |batch: Vec<(String, Vec<R>)>| {
            let mut related = Related::default();
            for (owner, rows) in batch {
                related.owners.push(owner);
                related.rows.extend(rows);
            }
            wrap(related)
        })
    }

    /// Validates every record of the spool and writes the rows `convert` makes of the valid
    /// ones, a batch at a time (`wrap` makes the batch), refusing the others with a reason;
    /// then deletes what vanished upstream. Returns the ids seen, or `None` when the entity
    /// was refused as a whole (the wrong shape; see the module docs).
    fn load<R>(
        mut self,
        staging: &mut Staging<'_>,
        convert: impl Fn(i64, &str, &Value) -> Result<R, Refusal>,
        wrap: impl Fn(Vec<R>) -> Rows,
    ) -> repository::Result<Option<Seen>> {
        let mut loaded_ids = None;
        staging.load(self.entity, |table, report| {
            let mut batch = Batch {
                run_id: self.run_id,
                entity: self.entity,
                rows: Vec::new(),
                rejected: Vec::new(),
            };
            for position in &self.spooled.null_positions {
                let reason = format!("null element at position {position} of the list");
                batch.refuse(table, None, reason, &Value::Null)?;
            }
            // Duplicates, the sweep and the owners of relations need the ids, and nothing else
            // of a record outlives its batch.
            let mut seen = Seen::new();
            let mut genuine = false;
            while let Some(raw) = self.spooled.next_record().map_err(|error| {
                Stop::Refused(
                    EntityStatus::Failed,
                    format!("reading back its spooled records failed: {error}"),
                )
            })? {
                genuine |= is_genuine(self.entity, &raw);
                let id = match valid_id(record_id(self.entity, &raw)) {
                    Ok(id) => id,
                    Err(reason) => {
                        batch.refuse(table, None, reason, &raw)?;
                        continue;
                    }
                };
                if let Some(reason) = bad_text(&raw) {
                    batch.refuse(table, Some(id), reason, &raw)?;
                    continue;
                }
                if seen.contains_key(id) {
                    let reason =
                        "duplicate id: an earlier record of this run with the same id was kept";
                    batch.refuse(table, Some(id), reason.into(), &raw)?;
                    continue;
                }
                let row = convert(self.run_id, id, &raw);
                seen.insert(id.to_string(), row.is_ok());
                match row {
                    Ok(row) => batch.push(table, row, &wrap)?,
                    Err(reason) => batch.refuse(table, Some(id), reason, &raw)?,
                }
            }
            if self.spooled.records > 0 && !genuine {
                // The upstream serves something else under this name: unavailable there.
                return Err(Stop::Refused(
                    EntityStatus::Unavailable,
                    format!(
                        "wrong shape: none of the {} records has both an id and `{}`; \
                         the API answered something other than {} records",
                        self.spooled.records,
                        self.entity.label().join("."),
                        self.entity
                    ),
                ));
            }
            batch.flush(table, &wrap)?;
            table.sweep(|id| seen.get(id) == Some(&true))?;
            report.loaded = clamp(seen.values().filter(|loaded| **loaded).count());
            report.rejected = report.fetched - report.loaded;
            loaded_ids = Some(seen);
            Ok(())
        })?;
        Ok(loaded_ids)
    }
}

/// The rows and refusals of one entity not yet written.
struct Batch<R> {
    run_id: i64,
    entity: Entity,
    rows: Vec<R>,
    rejected: Vec<NewRejected>,
}

impl<R> Batch<R> {
    /// Adds a row, writing the batch once it is full.
    fn push(
        &mut self,
        table: &mut Table<'_>,
        row: R,
        wrap: impl Fn(Vec<R>) -> Rows,
    ) -> repository::Result<()> {
        self.rows.push(row);
        match self.rows.len() >= BATCH {
            true => self.flush(table, wrap),
            false => Ok(()),
        }
    }

    /// Refuses a record with its reason (into `staging.rejected`, its JSON as text).
    fn refuse(
        &mut self,
        table: &mut Table<'_>,
        upstream_id: Option<&str>,
        reason: Refusal,
        raw: &Value,
    ) -> repository::Result<()> {
        self.rejected.push(NewRejected {
            run_id: self.run_id,
            entity: self.entity.as_str(),
            upstream_id: upstream_id.map(str::to_string),
            reason,
            raw: raw.to_string(),
        });
        match self.rejected.len() >= BATCH {
            true => table.reject(&std::mem::take(&mut self.rejected)),
            false => Ok(()),
        }
    }

    /// Writes what is pending.
    fn flush(
        &mut self,
        table: &mut Table<'_>,
        wrap: impl Fn(Vec<R>) -> Rows,
    ) -> repository::Result<()> {
        if !self.rows.is_empty() {
            table.write(wrap(std::mem::take(&mut self.rows)))?;
        }
        if !self.rejected.is_empty() {
            table.reject(&std::mem::take(&mut self.rejected))?;
        }
        Ok(())
    }
}

/// The longest reason the run's log line gives for one entity; the whole reason is in
/// `staging.extract_run_entity`.
const MAX_REASON_CHARS: usize = 120;

/// One line for the run's log, short whatever the number of entities: the records loaded (with
/// the count per entity loaded) and rejected; then the entities not loaded by status, with
/// the reason of those at fault (`required`: see `repository::staging::at_fault`), each
/// reason once; pages and retries.
pub fn summary(entities: &[ExtractRunEntity], required: &[Entity]) -> String {
    let with_status = |status: EntityStatus| entities.iter().filter(move |e| e.status == status);
    let loaded: Vec<&ExtractRunEntity> = with_status(EntityStatus::Succeeded).collect();
    let per_entity: Vec<String> = loaded
        .iter()
        .map(|e| format!("{} {}", e.entity, e.loaded))
        .collect();
    let mut parts = vec![format!(
        "{} records loaded{}, {} rejected",
        loaded.iter().map(|e| i64::from(e.loaded)).sum::<i64>(),
        match per_entity.is_empty() {
            true => String::new(),
            false => format!(" ({})", per_entity.join(", ")),
        },
        loaded.iter().map(|e| i64::from(e.rejected)).sum::<i64>()
    )];
    for (status, label) in [
        (EntityStatus::Unavailable, "unavailable upstream"),
        (EntityStatus::Withheld, "withheld"),
        (EntityStatus::Failed, "FAILED"),
    ] {
        // Entities that share a reason (a host down fails them all alike) name it once.
        let mut groups: Vec<(Option<String>, Vec<&str>)> = Vec::new();
        for e in with_status(status) {
            let reason = e
                .error
                .as_deref()
                .filter(|_| at_fault(e, required))
                .map(|error| one_line(error).chars().take(MAX_REASON_CHARS).collect());
            match groups.iter_mut().find(|(r, _)| *r == reason) {
                Some((_, names)) => names.push(&e.entity),
                None => groups.push((reason, vec![&e.entity])),
            }
        }
        let named: Vec<String> = groups
            .iter()
            .map(|(reason, names)| match reason {
                Some(reason) => format!("{} ({reason})", names.join(", ")),
                None => names.join(", "),
            })
            .collect();
        if !named.is_empty() {
            parts.push(format!("{label}: {}", named.join(", ")));
        }
    }
    parts.push(format!(
        "{} pages, {} retries",
        entities.iter().map(|e| i64::from(e.pages)).sum::<i64>(),
        entities.iter().map(|e| i64::from(e.retries)).sum::<i64>()
    ));
    parts.join("; ")
}

/// The log's account of dangling references: "N unresolved references (table.column n, …)".
pub fn unresolved(references: &[ExtractRunReference]) -> String {
    let total: i64 = references.iter().map(|r| i64::from(r.unresolved)).sum();
    let each: Vec<String> = references
        .iter()
        .filter(|r| r.unresolved > 0)
        .map(|r| format!("{} {}", r.reference, r.unresolved))
        .collect();
    match each.is_empty() {
        true => format!("{total} unresolved references"),
        false => format!("{total} unresolved references ({})", each.join(", ")),
    }
}

/// Whether a record is what its entity's query asks for: it has an id and its label.
fn is_genuine(entity: Entity, raw: &Value) -> bool {
    record_id(entity, raw).is_some() && !at(raw, entity.label()).is_null()
}

/// A record's id: its `id` field, or for a single object (which has none) the entity name.
fn record_id(entity: Entity, raw: &Value) -> Option<&str> {
    match entity.kind() {
        Kind::Single => Some(entity.as_str()),
        Kind::List | Kind::Relation(_) => raw.get("id").and_then(Value::as_str),
    }
}

/// The value at `path` inside `value` (`null` when any step is missing).
fn at<'v>(value: &'v Value, path: &[&str]) -> &'v Value {
    path.iter()
        .try_fold(value, |value, key| value.get(key))
        .unwrap_or(&Value::Null)
}

/// Flattens `value`'s fields into `out` under `prefix`: nested objects become
/// `parent_child` keys, nulls are left out (a column missing from the JSON is NULL). A key
/// that already starts with its parent's name is not prefixed again: a launch's
/// `rocket.rocket_name` is `rocket_name`, its `rocket.rocket.id` is `rocket_id`.
fn flatten(prefix: &str, value: &Value, out: &mut Map<String, Value>) {
    let Value::Object(fields) = value else {
        return;
    };
    for (key, value) in fields {
        let key = match !prefix.is_empty() && format!("{key}_").starts_with(prefix) {
            true => key.clone(),
            false => format!("{prefix}{key}"),
        };
        match value {
            Value::Null => {}
            Value::Object(_) => flatten(&format!("{key}_"), value, out),
            other => {
                out.insert(key, other.clone());
            }
        }
    }
}

/// Deserializes a staging row from flattened fields (plus `raw` for an entity row), refusing
/// oversized strings first. The row types reject unknown keys, so a field asked for but not
/// stored fails the tests instead of vanishing.
fn row_from<R: DeserializeOwned>(
    mut fields: Map<String, Value>,
    raw: Option<&Value>,
) -> Result<R, Refusal> {
    for (key, value) in &fields {
        let texts: Vec<&str> = match value {
            Value::String(text) => vec![text],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        for text in texts {
            let chars = text.chars().count();
            if chars > MAX_TEXT_CHARS {
                return Err(format!(
                    "{key} is {chars} characters long, over the cap of {MAX_TEXT_CHARS}"
                ));
            }
        }
    }
    if let Some(raw) = raw {
        fields.insert("raw".into(), raw.clone());
    }
    serde_path_to_error::deserialize(Value::Object(fields))
        .map_err(|error| format!("{}: {}", error.path(), error.inner()))
}

/// An entity row read straight off its record: the flattened fields plus `id`, `raw` and
/// `run_id`. Values were type-checked when the record was decoded; what can still be refused
/// is a string over [`MAX_TEXT_CHARS`], an unparseable date or a number out of range.
fn flat_row<R: DeserializeOwned>(run_id: i64, id: &str, raw: &Value) -> Result<R, Refusal> {
    entity_row(run_id, id, raw, raw)
}

/// An entity row whose columns are the flattened `columns` (`raw` or part of it) plus `id`,
/// `raw` and `run_id`.
fn entity_row<R: DeserializeOwned>(
    run_id: i64,
    id: &str,
    columns: &Value,
    raw: &Value,
) -> Result<R, Refusal> {
    let mut fields = Map::new();
    flatten("", columns, &mut fields);
    fields.insert("id".into(), id.into());
    fields.insert("run_id".into(), run_id.into());
    row_from(fields, Some(raw))
}

/// The rows of one relation record: one per element of the list at `relation.path` (with its
/// `position`; a null element gives a row of nulls, i.e. an unresolved reference), or one for
/// the object there; none when it is null.
fn relation_rows<R: DeserializeOwned>(
    relation: &Relation,
    owner_id: &str,
    raw: &Value,
) -> Result<Vec<R>, Refusal> {
    let target = at(raw, relation.path);
    let elements: Vec<(Option<usize>, &Value)> = match (target, relation.many) {
        (Value::Null, _) => vec![],
        (Value::Array(items), true) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Some(i), v))
            .collect(),
        (object @ Value::Object(_), false) => vec![(None, object)],
        (other, _) => {
            return Err(format!(
                "{} is not of its type: {other}",
                relation.path.join(".")
            ))
        }
    };
    elements
        .into_iter()
        .map(|(position, element)| {
            let mut fields = Map::new();
            flatten(relation.prefix, element, &mut fields);
            fields.insert(format!("{}_id", relation.owner), owner_id.into());
            if let Some(position) = position {
                fields.insert("position".into(), clamp(position).into());
            }
            row_from(fields, None)
        })
        .collect()
}

fn valid_id(id: Option<&str>) -> Result<&str, Refusal> {
    let id = id.ok_or("id is missing")?;
    if id.trim().is_empty() {
        return Err("id is empty".into());
    }
    if id.chars().count() > MAX_ID_CHARS {
        return Err(format!("id is longer than {MAX_ID_CHARS} characters"));
    }
    if id.chars().any(char::is_control) {
        return Err("id contains control characters".into());
    }
    Ok(id)
}

/// Text a record must not carry: NUL (Postgres text and jsonb refuse it) and the marker sxapi
/// puts where the upstream sent invalid UTF-8 or a lone UTF-16 surrogate.
const BAD_CHARACTERS: [(char, &str); 2] = [
    ('\0', "a NUL character"),
    (
        sxapi::decode::INVALID_TEXT,
        "invalid text (bad UTF-8 or a lone surrogate escape)",
    ),
];

/// Why and where the JSON holds a bad character, e.g. "field details contains a NUL character".
fn bad_text(value: &Value) -> Option<String> {
    fn find(value: &Value, at: Option<&str>) -> Option<String> {
        let bad = |text: &str| {
            BAD_CHARACTERS
                .iter()
                .find(|(c, _)| text.contains(*c))
                .map(|(_, what)| *what)
        };
        match value {
            Value::String(text) => bad(text).map(|what| match at {
                Some(key) => format!("field {key} contains {what}"),
                None => format!("a value contains {what}"),
            }),
            Value::Array(items) => items.iter().find_map(|item| find(item, at)),
            Value::Object(map) => map.iter().find_map(|(key, v)| {
                bad(key)
                    .map(|what| format!("a key contains {what}"))
                    .or_else(|| find(v, Some(key)))
            }),
            _ => None,
        }
    }
    find(value, None)
}

/// Refuses a string field longer than `max` characters.
fn capped(field: &str, value: Option<&str>, max: usize) -> Result<(), Refusal> {
    match value.map(|text| text.chars().count()) {
        Some(chars) if chars > max => Err(format!(
            "{field} is {chars} characters long, over the cap of {max}"
        )),
        _ => Ok(()),
    }
}

/// A `Date` scalar that must be an ISO-8601 timestamp with offset.
fn timestamp(field: &str, value: &Option<Date>) -> Result<Option<DateTime<Utc>>, Refusal> {
    match date_text(field, value)? {
        None => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| format!("{field} {text:?} is not an ISO-8601 timestamp: {e}")),
    }
}

/// A `Date` scalar that must be a calendar date (`2010-06-04`).
fn calendar_date(field: &str, value: &Option<Date>) -> Result<Option<NaiveDate>, Refusal> {
    match date_text(field, value)? {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|e| format!("{field} {text:?} is not a date (YYYY-MM-DD): {e}")),
    }
}

fn date_text<'a>(field: &str, value: &'a Option<Date>) -> Result<Option<&'a str>, Refusal> {
    match value.as_ref().map(|d| &d.0) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(other) => Err(format!("{field} is not a string: {other}")),
    }
}

/// A `Date` scalar that must be integer Unix seconds.
fn unix_seconds(field: &str, value: &Option<Date>) -> Result<Option<i64>, Refusal> {
    match value.as_ref().map(|d| &d.0) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{field} {n} is not whole seconds")),
        Some(other) => Err(format!("{field} is not a number: {other}")),
    }
}

/// A rocket: read flat once its ranges, caps and date hold.
fn rocket_row(run_id: i64, id: &str, r: &Rocket, raw: &Value) -> Result<NewRocket, Refusal> {
    if let Some(cost) = r.cost_per_launch.filter(|cost| *cost < 0) {
        return Err(format!("cost_per_launch {cost} is negative"));
    }
    if let Some(pct) = r.success_rate_pct.filter(|pct| !(0..=100).contains(pct)) {
        return Err(format!("success_rate_pct {pct} is not between 0 and 100"));
    }
    capped("name", r.name.as_deref(), MAX_SHORT_TEXT_CHARS)?;
    capped("type", r.kind.as_deref(), MAX_SHORT_TEXT_CHARS)?;
    capped("company", r.company.as_deref(), MAX_SHORT_TEXT_CHARS)?;
    capped("country", r.country.as_deref(), MAX_SHORT_TEXT_CHARS)?;
    capped("wikipedia", r.wikipedia.as_deref(), MAX_URL_CHARS)?;
    calendar_date("first_flight", &r.first_flight)?;
    flat_row(run_id, id, raw)
}

/// A mission: read flat once its caps hold.
fn mission_row(run_id: i64, id: &str, m: &Mission, raw: &Value) -> Result<NewMission, Refusal> {
    for maker in m.manufacturers.iter().flatten().flatten() {
        capped("manufacturers", Some(maker), MAX_SHORT_TEXT_CHARS)?;
    }
    capped("name", m.name.as_deref(), MAX_SHORT_TEXT_CHARS)?;
    for (field, url) in [
        ("wikipedia", &m.wikipedia),
        ("website", &m.website),
        ("twitter", &m.twitter),
    ] {
        capped(field, url.as_deref(), MAX_URL_CHARS)?;
    }
    flat_row(run_id, id, raw)
}

/// The fields of a launch that are child rows (`launch_mission`, `launch_link`), not columns.
const LAUNCH_CHILDREN: [&str; 2] = ["mission_id", "links"];

type LaunchRow = (NewLaunch, Vec<NewLaunchMission>, Vec<NewLaunchLink>);

/// A launch, read flat (but for its children) once its dates and caps hold, with its
/// missions and links.
fn launch_rows(run_id: i64, id: &str, l: &Launch, raw: &Value) -> Result<LaunchRow, Refusal> {
    timestamp("launch_date_utc", &l.launch_date_utc)?;
    if let Some(text) = date_text("launch_date_local", &l.launch_date_local)? {
        DateTime::parse_from_rfc3339(text)
            .map_err(|e| format!("launch_date_local {text:?} is not an ISO-8601 timestamp: {e}"))?;
    }
    unix_seconds("launch_date_unix", &l.launch_date_unix)?;
    let rocket = l.rocket.as_ref();
    let rocket_id = rocket
        .and_then(|r| r.rocket.as_ref())
        .and_then(|r| r.id.as_ref())
        .map(|id| id.inner());
    capped("rocket.rocket.id", rocket_id, MAX_ID_CHARS)?;
    for (field, text) in [
        ("mission_name", l.mission_name.as_deref()),
        ("launch_year", l.launch_year.as_deref()),
        (
            "rocket.rocket_name",
            rocket.and_then(|r| r.rocket_name.as_deref()),
        ),
        (
            "rocket.rocket_type",
            rocket.and_then(|r| r.rocket_type.as_deref()),
        ),
    ] {
        capped(field, text, MAX_SHORT_TEXT_CHARS)?;
    }
    let mut columns = raw.clone();
    if let Value::Object(fields) = &mut columns {
        fields.retain(|key, _| !LAUNCH_CHILDREN.contains(&key.as_str()));
    }
    let launch = entity_row(run_id, id, &columns, raw)?;

    let mut missions = Vec::new();
    for (position, mission_id) in l.mission_id.iter().flatten().enumerate() {
        if let Some(mission_id) = mission_id {
            capped("mission_id", Some(mission_id), MAX_ID_CHARS)?;
            missions.push(NewLaunchMission {
                launch_id: id.to_string(),
                position: clamp(position),
                mission_id: mission_id.clone(),
            });
        }
    }

    // Every non-null value of `links` (decoded as strings or lists of strings): position 0
    // for a single value, the index in a list.
    let mut links = Vec::new();
    for (field, value) in raw
        .get("links")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let urls: Vec<(usize, &Value)> = match value {
            Value::Array(items) => items.iter().enumerate().collect(),
            single => vec![(0, single)],
        };
        for (position, url) in urls {
            if let Some(url) = url.as_str() {
                capped(field, Some(url), MAX_URL_CHARS)?;
                links.push(NewLaunchLink {
                    launch_id: id.to_string(),
                    field: field.clone(),
                    position: clamp(position),
                    url: url.to_string(),
                });
            }
        }
    }
    Ok((launch, missions, links))
}

/// Counts and positions are stored as `integer`.
fn clamp(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flat_rows_read_nested_objects_as_columns_and_refuse_what_does_not_fit() {
        let raw = json!({"id": "LZ-1", "full_name": "Landing Zone 1", "landing_type": null,
                         "location": {"name": "Cape", "latitude": 28.5, "longitude": null}});
        let pad: NewLandpad = flat_row(7, "LZ-1", &raw).unwrap();
        assert_eq!(pad.location_name.as_deref(), Some("Cape"));
        assert_eq!(
            (pad.location_latitude, pad.location_longitude),
            (Some(28.5), None)
        );
        assert_eq!((pad.raw, pad.run_id), (raw, 7));

        let payload = json!({"id": "P", "customers": ["A", null, "B"], "norad_id": null});
        let row: NewPayload = flat_row(1, "P", &payload).unwrap();
        assert_eq!(
            (row.customers, row.norad_id),
            (vec!["A".into(), "B".into()], vec![])
        );

        let long = json!({"id": "P", "manufacturer": "x".repeat(MAX_TEXT_CHARS + 1)});
        let refused = flat_row::<NewPayload>(1, "P", &long).unwrap_err();
        assert!(
            refused.starts_with("manufacturer is 100001 characters long"),
            "{refused}"
        );
        let date = json!({"id": "C", "original_launch": "last spring"});
        let refused = flat_row::<db_models::models::NewCapsule>(1, "C", &date).unwrap_err();
        assert!(refused.starts_with("original_launch: "), "{refused}");
        // A key naming its parent is not prefixed again (a launch's rocket).
        let mut fields = Map::new();
        let launch = json!({"rocket": {"rocket": {"id": "falcon9"}, "rocket_name": "Falcon 9"}});
        flatten("", &launch, &mut fields);
        assert_eq!(
            Value::Object(fields),
            json!({"rocket_id": "falcon9", "rocket_name": "Falcon 9"})
        );
        let unknown = json!({"id": "P", "colour": "red"});
        let refused = flat_row::<NewPayload>(1, "P", &unknown).unwrap_err();
        assert!(refused.contains("unknown field `colour`"), "{refused}");
    }

    #[test]
    fn relation_rows_keep_null_elements_as_unresolved_references() {
        let raw = json!({"id": "M1", "payloads": [{"id": "P1"}, null]});
        let rows: Vec<NewMissionPayload> =
            relation_rows(&relation(Entity::MissionPayload), "M1", &raw).unwrap();
        assert_eq!(
            rows.iter()
                .map(|r| (r.position, r.payload_id.as_deref()))
                .collect::<Vec<_>>(),
            [(0, Some("P1")), (1, None)]
        );
        let none = json!({"id": "L", "rocket": {"first_stage": null}});
        let rows: Vec<NewLaunchCore> =
            relation_rows(&relation(Entity::LaunchCore), "L", &none).unwrap();
        assert!(rows.is_empty());
        let cores = json!({"id": "L", "rocket": {"first_stage": {"cores": [
            {"core": {"id": "B1"}, "flight": 2, "landing_type": "ASDS"}]}}});
        let rows: Vec<NewLaunchCore> =
            relation_rows(&relation(Entity::LaunchCore), "L", &cores).unwrap();
        assert_eq!(
            (
                rows[0].core_id.as_deref(),
                rows[0].flight,
                rows[0].launch_id.as_str()
            ),
            (Some("B1"), Some(2), "L")
        );
    }

    #[test]
    fn a_genuine_record_has_an_id_and_its_label() {
        // Landpads answered for launchpads: ids, but never a launchpad `name`.
        let launchpad = |raw| is_genuine(Entity::Launchpad, &raw);
        assert!(!launchpad(json!({"id": "LZ-1", "name": null})));
        assert!(!launchpad(json!({"id": "LZ-2"})));
        assert!(!launchpad(json!({"name": "no id"})));
        assert!(launchpad(json!({"id": "A", "name": "Pad A"})));
        // A relation's label is its list; a single object's id is its name.
        let cores = json!({"id": "L", "rocket": {"first_stage": {"cores": []}}});
        assert!(is_genuine(Entity::LaunchCore, &cores));
        let company = json!({"name": "SpaceX"});
        assert!(is_genuine(Entity::Company, &company));
        assert_eq!(record_id(Entity::Company, &company), Some("company"));
    }

    fn relation(entity: Entity) -> Relation {
        entity.relation().expect("a relation")
    }

    #[test]
    fn unresolved_references_read_as_one_line() {
        let counted = |reference: &str, unresolved| ExtractRunReference {
            run_id: 1,
            reference: reference.into(),
            target: "payload".into(),
            unresolved,
        };
        assert_eq!(
            unresolved(&[counted("a.b", 0), counted("c.d", 2), counted("e.f", 1)]),
            "3 unresolved references (c.d 2, e.f 1)"
        );
        assert_eq!(unresolved(&[counted("a.b", 0)]), "0 unresolved references");
    }
}
