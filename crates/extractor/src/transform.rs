//! Validating upstream records and turning them into staging rows.
//!
//! The upstream is untrusted. A record is refused (into `staging.rejected`, with the reason)
//! when its id is missing, empty, oversized or already seen in this run; when any of its
//! strings holds a NUL character (Postgres cannot store it) or exceeds its cap (never truncated
//! silently); when a date does not parse; or when a number is out of range. The rest loads.
use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use db_models::models::{
    ExtractRunEntity, NewLaunch, NewLaunchLink, NewLaunchMission, NewMission, NewRejected,
    NewRocket,
};
use repository::staging::{LaunchRows, Snapshot};
use serde_json::Value;
use sxapi::records::Date;
use sxapi::{Fetched, Launch, LaunchLinks, Mission, Rocket};

use crate::source::Pulled;

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

/// Converts what was pulled into the snapshot to publish, with every refusal accounted for.
pub fn snapshot(run_id: i64, pulled: Pulled) -> Snapshot {
    let mut gate = Gate {
        run_id,
        rejected: Vec::new(),
        entities: Vec::new(),
    };
    let rockets = gate.accept(
        "rocket",
        pulled.rockets,
        |r: &Rocket| r.id.as_ref(),
        rocket_row,
    );
    let missions = gate.accept(
        "mission",
        pulled.missions,
        |m: &Mission| m.id.as_ref(),
        mission_row,
    );
    let launches = gate
        .accept(
            "launch",
            pulled.launches,
            |l: &Launch| l.id.as_ref(),
            launch_rows,
        )
        .map(|rows| {
            let mut all = LaunchRows::default();
            for (launch, missions, links) in rows {
                all.launches.push(launch);
                all.missions.extend(missions);
                all.links.extend(links);
            }
            all
        });
    Snapshot {
        launches,
        missions,
        rockets,
        rejected: gate.rejected,
        entities: gate.entities,
    }
}

/// One line for the run's log: per entity fetched/loaded/rejected, pages and retries.
pub fn summary(snapshot: &Snapshot) -> String {
    snapshot
        .entities
        .iter()
        .map(|e| match &e.error {
            None => format!(
                "{} {} fetched, {} loaded, {} rejected ({} pages, {} retries)",
                e.entity, e.fetched, e.loaded, e.rejected, e.pages, e.retries
            ),
            Some(error) => format!("{} FAILED ({error})", e.entity),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects refusals and per-entity reports while records pass through.
struct Gate {
    run_id: i64,
    rejected: Vec<NewRejected>,
    entities: Vec<ExtractRunEntity>,
}

impl Gate {
    /// Validates every record of one entity. `None` when the fetch itself failed.
    fn accept<T, R>(
        &mut self,
        entity: &'static str,
        fetched: sxapi::Result<Fetched<T>>,
        id_of: fn(&T) -> Option<&cynic::Id>,
        convert: fn(i64, &str, &T, &Value) -> Result<R, Refusal>,
    ) -> Option<Vec<R>> {
        let mut report = ExtractRunEntity {
            run_id: self.run_id,
            entity: entity.to_string(),
            status: "failed".into(),
            fetched: 0,
            loaded: 0,
            rejected: 0,
            inserted: 0,
            updated: 0,
            deleted: 0,
            pages: 0,
            retries: 0,
            error: None,
        };
        let fetched = match fetched {
            Ok(fetched) => fetched,
            Err(error) => {
                report.error = Some(error.to_string());
                self.entities.push(report);
                return None;
            }
        };
        report.status = "succeeded".into();
        report.pages = clamp(fetched.pages as usize);
        report.retries = clamp(fetched.retries as usize);
        report.fetched = clamp(fetched.records.len() + fetched.null_positions.len());

        let mut refuse = |upstream_id: Option<&str>, reason: Refusal, raw: &Value| {
            self.rejected.push(NewRejected {
                run_id: self.run_id,
                entity,
                upstream_id: upstream_id.map(str::to_string),
                reason,
                raw: raw.to_string(),
            });
        };
        for position in &fetched.null_positions {
            refuse(
                None,
                format!("null element at position {position} of the list"),
                &Value::Null,
            );
        }
        let mut seen = HashSet::new();
        let mut rows = Vec::with_capacity(fetched.records.len());
        for record in &fetched.records {
            let id = match valid_id(id_of(&record.value)) {
                Ok(id) => id,
                Err(reason) => {
                    refuse(None, reason, &record.raw);
                    continue;
                }
            };
            if let Some(path) = nul_path(&record.raw) {
                refuse(
                    Some(id),
                    format!("{path} contains a NUL character"),
                    &record.raw,
                );
                continue;
            }
            if !seen.insert(id) {
                refuse(
                    Some(id),
                    "duplicate id: an earlier record of this run with the same id was kept".into(),
                    &record.raw,
                );
                continue;
            }
            match convert(self.run_id, id, &record.value, &record.raw) {
                Ok(row) => rows.push(row),
                Err(reason) => refuse(Some(id), reason, &record.raw),
            }
        }
        report.loaded = clamp(rows.len());
        report.rejected = report.fetched - report.loaded;
        self.entities.push(report);
        Some(rows)
    }
}

fn valid_id(id: Option<&cynic::Id>) -> Result<&str, Refusal> {
    let id = id.map(|id| id.inner()).ok_or("id is missing")?;
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

/// Where in the JSON a string holds a NUL character (Postgres text and jsonb refuse it).
fn nul_path(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some("a value".into()),
        Value::Array(items) => items.iter().find_map(nul_path),
        Value::Object(map) => map.iter().find_map(|(key, v)| {
            if key.contains('\0') {
                Some("a key".into())
            } else {
                nul_path(v).map(|inner| {
                    if inner == "a value" {
                        format!("field {key}")
                    } else {
                        inner
                    }
                })
            }
        }),
        _ => None,
    }
}

/// A string field, refused when longer than `max` characters.
fn capped(field: &str, value: &Option<String>, max: usize) -> Result<Option<String>, Refusal> {
    match value {
        Some(text) if text.chars().count() > max => Err(format!(
            "{field} is {} characters long, over the cap of {max}",
            text.chars().count()
        )),
        other => Ok(other.clone()),
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

fn rocket_row(run_id: i64, id: &str, r: &Rocket, raw: &Value) -> Result<NewRocket, Refusal> {
    let cost_per_launch = match r.cost_per_launch {
        Some(cost) if cost < 0 => return Err(format!("cost_per_launch {cost} is negative")),
        other => other.map(i64::from),
    };
    let success_rate_pct = match r.success_rate_pct {
        Some(pct) if !(0..=100).contains(&pct) => {
            return Err(format!("success_rate_pct {pct} is not between 0 and 100"))
        }
        other => other,
    };
    Ok(NewRocket {
        id: id.to_string(),
        name: capped("name", &r.name, MAX_SHORT_TEXT_CHARS)?,
        kind: capped("type", &r.kind, MAX_SHORT_TEXT_CHARS)?,
        active: r.active,
        company: capped("company", &r.company, MAX_SHORT_TEXT_CHARS)?,
        country: capped("country", &r.country, MAX_SHORT_TEXT_CHARS)?,
        description: capped("description", &r.description, MAX_TEXT_CHARS)?,
        wikipedia: capped("wikipedia", &r.wikipedia, MAX_URL_CHARS)?,
        first_flight: calendar_date("first_flight", &r.first_flight)?,
        cost_per_launch,
        success_rate_pct,
        raw: raw.clone(),
        run_id,
    })
}

fn mission_row(run_id: i64, id: &str, m: &Mission, raw: &Value) -> Result<NewMission, Refusal> {
    let mut manufacturers = Vec::new();
    for maker in m.manufacturers.iter().flatten().flatten() {
        manufacturers.push(
            capped("manufacturers", &Some(maker.clone()), MAX_SHORT_TEXT_CHARS)?
                .unwrap_or_default(),
        );
    }
    Ok(NewMission {
        id: id.to_string(),
        name: capped("name", &m.name, MAX_SHORT_TEXT_CHARS)?,
        description: capped("description", &m.description, MAX_TEXT_CHARS)?,
        manufacturers,
        wikipedia: capped("wikipedia", &m.wikipedia, MAX_URL_CHARS)?,
        website: capped("website", &m.website, MAX_URL_CHARS)?,
        twitter: capped("twitter", &m.twitter, MAX_URL_CHARS)?,
        raw: raw.clone(),
        run_id,
    })
}

/// Reads one single-valued field of `links`.
type LinkField = fn(&LaunchLinks) -> &Option<String>;

/// The single-valued fields of `links`, by their upstream name.
const SINGLE_LINKS: [(&str, LinkField); 10] = [
    ("article_link", |l| &l.article_link),
    ("wikipedia", |l| &l.wikipedia),
    ("presskit", |l| &l.presskit),
    ("video_link", |l| &l.video_link),
    ("reddit_campaign", |l| &l.reddit_campaign),
    ("reddit_launch", |l| &l.reddit_launch),
    ("reddit_media", |l| &l.reddit_media),
    ("reddit_recovery", |l| &l.reddit_recovery),
    ("mission_patch", |l| &l.mission_patch),
    ("mission_patch_small", |l| &l.mission_patch_small),
];

type LaunchRow = (NewLaunch, Vec<NewLaunchMission>, Vec<NewLaunchLink>);

fn launch_rows(run_id: i64, id: &str, l: &Launch, raw: &Value) -> Result<LaunchRow, Refusal> {
    let launch_date_local = date_text("launch_date_local", &l.launch_date_local)?;
    if let Some(text) = launch_date_local {
        DateTime::parse_from_rfc3339(text)
            .map_err(|e| format!("launch_date_local {text:?} is not an ISO-8601 timestamp: {e}"))?;
    }
    let rocket = l.rocket.as_ref();
    let rocket_id = rocket
        .and_then(|r| r.rocket.as_ref())
        .and_then(|r| r.id.as_ref())
        .map(|id| id.inner().to_string());
    let launch = NewLaunch {
        id: id.to_string(),
        mission_name: capped("mission_name", &l.mission_name, MAX_SHORT_TEXT_CHARS)?,
        launch_date_utc: timestamp("launch_date_utc", &l.launch_date_utc)?,
        launch_date_local: launch_date_local.map(str::to_string),
        launch_date_unix: unix_seconds("launch_date_unix", &l.launch_date_unix)?,
        launch_year: capped("launch_year", &l.launch_year, MAX_SHORT_TEXT_CHARS)?,
        launch_success: l.launch_success,
        upcoming: l.upcoming,
        details: capped("details", &l.details, MAX_TEXT_CHARS)?,
        rocket_id: capped("rocket.rocket.id", &rocket_id, MAX_ID_CHARS)?,
        rocket_name: capped(
            "rocket.rocket_name",
            &rocket.and_then(|r| r.rocket_name.clone()),
            MAX_SHORT_TEXT_CHARS,
        )?,
        rocket_type: capped(
            "rocket.rocket_type",
            &rocket.and_then(|r| r.rocket_type.clone()),
            MAX_SHORT_TEXT_CHARS,
        )?,
        raw: raw.clone(),
        run_id,
    };

    let mut missions = Vec::new();
    for (position, mission_id) in l.mission_id.iter().flatten().enumerate() {
        if let Some(mission_id) = mission_id {
            missions.push(NewLaunchMission {
                launch_id: id.to_string(),
                position: clamp(position),
                mission_id: capped("mission_id", &Some(mission_id.clone()), MAX_ID_CHARS)?
                    .unwrap_or_default(),
            });
        }
    }

    let mut links = Vec::new();
    if let Some(l) = &l.links {
        let singles = SINGLE_LINKS
            .iter()
            .map(|(field, get)| (*field, 0, get(l).as_ref()));
        let photos = l
            .flickr_images
            .iter()
            .flatten()
            .enumerate()
            .map(|(position, url)| ("flickr_images", position, url.as_ref()));
        for (field, position, url) in singles.chain(photos) {
            if let Some(url) = url {
                links.push(NewLaunchLink {
                    launch_id: id.to_string(),
                    field,
                    position: clamp(position),
                    url: capped(field, &Some(url.clone()), MAX_URL_CHARS)?.unwrap_or_default(),
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
