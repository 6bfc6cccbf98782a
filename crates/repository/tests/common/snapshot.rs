//! [`Snapshot`] and [`publish`]: a whole run held in memory and published in one call, the
//! way the repository's tests write staging (the extractor streams batches through
//! [`publish_with`] instead).
use std::collections::{BTreeSet, HashSet};

use db_models::models::{ExtractRunEntity, NewLaunchShip, NewMission, NewRejected, NewRocket};
use diesel::PgConnection;
use repository::staging::{publish_with, Entity, LaunchRows, Published, Related, Rows};
use repository::Result;

/// Everything one run publishes. `None` for an entity means it was not fetched or its fetch
/// failed: its table is left exactly as it is. A relation's rows must belong to owner rows of
/// the same snapshot: they are checked by foreign key, and a dangling one fails the publish.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Launches, or `None` to keep the previous ones.
    pub launches: Option<LaunchRows>,
    /// Missions, or `None` to keep the previous ones.
    pub missions: Option<Vec<NewMission>>,
    /// Rockets, or `None` to keep the previous ones.
    pub rockets: Option<Vec<NewRocket>>,
    /// Launches' ships, or `None` to keep the previous ones.
    pub launch_ships: Option<Vec<NewLaunchShip>>,
    /// Records refused by validation or as duplicates.
    pub rejected: Vec<NewRejected>,
    /// Per-entity outcomes; the write fills in `inserted`, `updated` and `deleted`.
    pub entities: Vec<ExtractRunEntity>,
}

/// Writes the snapshot through [`publish_with`] (every entity counts as required), each
/// entity as one batch followed by the sweep of the ids (for a relation, the owners) it does
/// not list; the rejected records with the last entity.
pub fn publish(conn: &mut PgConnection, run_id: i64, snapshot: Snapshot) -> Result<Published> {
    let Snapshot {
        launches,
        missions,
        rockets,
        launch_ships,
        rejected,
        mut entities,
    } = snapshot;
    let ids = |ids: Vec<&String>| ids.into_iter().cloned().collect::<Vec<String>>();
    let mut loads: Vec<(Entity, Rows, Vec<String>)> = Vec::new();
    if let Some(rows) = launches {
        let keep = ids(rows.launches.iter().map(|row| &row.id).collect());
        loads.push((Entity::Launch, Rows::Launch(rows), keep));
    }
    if let Some(rows) = missions {
        let keep = ids(rows.iter().map(|row| &row.id).collect());
        loads.push((Entity::Mission, Rows::Mission(rows), keep));
    }
    if let Some(rows) = rockets {
        let keep = ids(rows.iter().map(|row| &row.id).collect());
        loads.push((Entity::Rocket, Rows::Rocket(rows), keep));
    }
    if let Some(rows) = launch_ships {
        let owners: BTreeSet<&String> = rows.iter().map(|row| &row.launch_id).collect();
        let owners = ids(owners.into_iter().collect());
        let batch = Related {
            owners: owners.clone(),
            rows,
        };
        loads.push((Entity::LaunchShip, Rows::LaunchShip(batch), owners));
    }
    let last = loads.len().saturating_sub(1);
    publish_with(conn, run_id, &mut entities, Entity::ALL, |staging| {
        for (at, (entity, rows, keep)) in loads.into_iter().enumerate() {
            let keep: HashSet<String> = keep.into_iter().collect();
            staging.load(entity, |table, _| {
                table.write(rows)?;
                table.sweep(|id| keep.contains(id))?;
                if at == last {
                    table.reject(&rejected)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}
