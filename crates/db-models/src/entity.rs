//! The entity registry: everything the project knows about each entity staging mirrors,
//! declared once, in [`for_each_entity!`]. The per-entity enum, lists and dispatches are
//! generated from that one table by the crates that need them (see `crates/README.md`).
use crate::text_enum::stored_as_text;

/// THE registry: every entity and relation, in load order (rockets and missions before the
/// launches that name them, owners before their relations). It calls `$then!` with the whole table; each crate passes a macro of its own
/// that reads the columns it needs, so names resolve where it expands: row types are
/// `db_models::models`'s, queries `sxapi::records`'s, converters `extractor::transform`'s.
///
/// An `objects` line: `Variant name: list|single(Query) label[path] required|best_effort
/// row(Row) convert(converter)`: the staging table `name`, served as a paged
/// `list` or a `single` object (no id: its one row gets the name as id); `label` the field
/// every genuine record has; whether a run cannot do without it when the upstream cannot
/// serve it (the default of `extractor.required`); `row(Row in Batch)` when child rows come
/// along (launches bring their missions and links). The row types and the columns an upsert
/// sets are generated from the migrations (`db_models::models`, [`crate::upsert_set!`]).
///
/// A `relations` line: `Variant name: list|one(Query) of(Owner, owner_column) at[path]
/// prefix("…") row(Row)`: rows hanging off the owner's rows of the same run, one per element
/// of the list (or the one object) at `at`, each element's fields flattened with `prefix`.
#[macro_export]
macro_rules! for_each_entity {
    ($then:ident) => {
        $then! {
            objects {
                Rocket rocket: list(RocketsPage) label["name"] required
                    row(NewRocket) convert(typed(rocket_row));
                Mission mission: list(MissionsPage) label["name"] required
                    row(NewMission) convert(typed(mission_row));
                Launch launch: list(LaunchesPage) label["mission_name"] required
                    row(NewLaunch in LaunchRows) convert(typed(launch_rows));
                Capsule capsule: list(CapsulesPage) label["type"] best_effort
                    row(NewCapsule) convert(flat_row);
                Core core: list(CoresPage) label["status"] best_effort
                    row(NewCore) convert(flat_row);
                Dragon dragon: list(DragonsPage) label["name"] best_effort
                    row(NewDragon) convert(flat_row);
                History history: list(HistoriesPage) label["title"] best_effort
                    row(NewHistory) convert(flat_row);
                Landpad landpad: list(LandpadsPage) label["full_name"] best_effort
                    row(NewLandpad) convert(flat_row);
                Launchpad launchpad: list(LaunchpadsPage) label["name"] best_effort
                    row(NewLaunchpad) convert(flat_row);
                Payload payload: list(PayloadsPage) label["payload_type"] best_effort
                    row(NewPayload) convert(flat_row);
                Ship ship: list(ShipsPage) label["name"] best_effort
                    row(NewShip) convert(flat_row);
                Company company: single(CompanyQuery) label["name"] best_effort
                    row(NewCompany) convert(flat_row);
                Roadster roadster: single(RoadsterQuery) label["name"] best_effort
                    row(NewRoadster) convert(flat_row);
            }
            relations {
                LaunchShip launch_ship: list(LaunchShipsPage) of(Launch, launch_id)
                    at["ships"] prefix("ship_") row(NewLaunchShip);
                LaunchCore launch_core: list(LaunchCoresPage) of(Launch, launch_id)
                    at["rocket", "first_stage", "cores"] prefix("") row(NewLaunchCore);
                LaunchPayload launch_payload: list(LaunchPayloadsPage) of(Launch, launch_id)
                    at["rocket", "second_stage", "payloads"] prefix("payload_")
                    row(NewLaunchPayload);
                LaunchSite launch_site: one(LaunchSitesPage) of(Launch, launch_id)
                    at["launch_site"] prefix("") row(NewLaunchSite);
                MissionPayload mission_payload: list(MissionPayloadsPage) of(Mission, mission_id)
                    at["payloads"] prefix("payload_") row(NewMissionPayload);
                CapsuleMission capsule_mission: list(CapsuleMissionsPage) of(Capsule, capsule_id)
                    at["missions"] prefix("") row(NewCapsuleMission);
                CoreMission core_mission: list(CoreMissionsPage) of(Core, core_id)
                    at["missions"] prefix("") row(NewCoreMission);
                ShipMission ship_mission: list(ShipMissionsPage) of(Ship, ship_id)
                    at["missions"] prefix("") row(NewShipMission);
                RocketPayloadWeight rocket_payload_weight: list(RocketPayloadWeightsPage)
                    of(Rocket, rocket_id) at["payload_weights"] prefix("")
                    row(NewRocketPayloadWeight);
            }
        }
    };
}

/// How an entity is served and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A paged list of records with ids.
    List,
    /// One object without an id (`company`, `roadster`): its one row gets the name as id.
    Single,
    /// Rows hanging off the owner's rows of the same run.
    Relation(Relation),
}

/// Where a relation's list sits in its owner's record and how its elements map onto rows.
/// It can only be published in a run that publishes the owner too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    /// The entity whose rows it hangs off.
    pub owner: Entity,
    /// Path of the list (or, when not `many`, the object) in the record.
    pub path: &'static [&'static str],
    /// Put before each flattened key of an element: `ship_` turns a ship's `id` into `ship_id`.
    pub prefix: &'static str,
    /// A list (one row per element, with its `position`) or a single object (one row).
    pub many: bool,
}

/// The registry's own reading: the [`Entity`] enum and its properties.
macro_rules! declare_entities {
    (
        objects { $(
            $variant:ident $name:ident : $kind:ident($query:ident) label[$($label:literal),+]
            $need:ident row($($row:tt)+) convert($($convert:tt)+);
        )+ }
        relations { $(
            $rvariant:ident $rname:ident : $many:ident($rquery:ident) of($owner:ident, $column:ident)
            at[$($path:literal),+] prefix($prefix:literal) row($rrow:ident);
        )+ }
    ) => {
        stored_as_text! {
            /// An entity (one query, one staging table) or a relation (one query, one table
            /// hanging off its owner's), in load order. Its name (`as_str`, `Display`,
            /// `FromStr`, the stored text) is the staging table, `extract_run_entity.entity`,
            /// what `extractor.entities` lists and the metrics' `entity` label.
            #[derive(Hash, PartialOrd, Ord, strum::VariantArray)]
            pub enum Entity {
                $(#[doc = concat!("`staging.", stringify!($name), "`.")] $variant,)+
                $(#[doc = concat!("`staging.", stringify!($rname), "`.")] $rvariant,)+
            }
        }

        impl Entity {
            /// How it is served and stored.
            pub const fn kind(self) -> Kind {
                match self {
                    $(Entity::$variant => declare_entities!(@$kind),)+
                    $(Entity::$rvariant => Kind::Relation(Relation {
                        owner: Entity::$owner,
                        path: &[$($path),+],
                        prefix: $prefix,
                        many: declare_entities!(@many $many),
                    }),)+
                }
            }

            /// The path of the field every genuine record has (see `extractor::transform`):
            /// for a relation, its list.
            pub const fn label(self) -> &'static [&'static str] {
                match self {
                    $(Entity::$variant => &[$($label),+],)+
                    $(Entity::$rvariant => &[$($path),+],)+
                }
            }

            /// Whether a run cannot do without it by default (`extractor.required`): one the
            /// upstream cannot serve then makes the run `partial`.
            pub const fn required(self) -> bool {
                match self {
                    $(Entity::$variant => declare_entities!(@$need),)+
                    $(Entity::$rvariant => false,)+
                }
            }
        }
    };
    (@list) => { Kind::List };
    (@single) => { Kind::Single };
    (@many list) => { true };
    (@many one) => { false };
    (@required) => { true };
    (@best_effort) => { false };
}

for_each_entity!(declare_entities);

impl Entity {
    /// Every entity, in load order.
    pub const ALL: &'static [Entity] = <Entity as strum::VariantArray>::VARIANTS;

    /// For a relation, where it sits in its owner's record.
    pub const fn relation(self) -> Option<Relation> {
        match self.kind() {
            Kind::Relation(relation) => Some(relation),
            Kind::List | Kind::Single => None,
        }
    }

    /// For a relation, the entity whose rows it hangs off.
    pub const fn owner(self) -> Option<Entity> {
        match self.relation() {
            Some(relation) => Some(relation.owner),
            None => None,
        }
    }
}

/// A staging column that names the id of a row of another staging table. It has no foreign
/// key on purpose: upstream references dangle (mission payloads missing from `payloads`), and
/// such a value is kept, and counted after each run, instead of refusing its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reference {
    /// The table holding the column (an entity's, or `launch_mission`, a launch's child).
    pub table: &'static str,
    /// The column.
    pub column: &'static str,
    /// The entity whose `id` it names.
    pub target: Entity,
    /// A relation row exists only to hold its reference, so a NULL there (an upstream list
    /// element that was null) is unresolved too; elsewhere NULL just means "none given".
    pub listed: bool,
}

/// The reference column of a relation table.
const fn listed(table: &'static str, column: &'static str, target: Entity) -> Reference {
    Reference {
        table,
        column,
        target,
        listed: true,
    }
}

/// Every reference column of staging.
pub const REFERENCES: &[Reference] = &[
    Reference {
        table: "launch",
        column: "rocket_id",
        target: Entity::Rocket,
        listed: false,
    },
    listed("launch_mission", "mission_id", Entity::Mission),
    listed("launch_ship", "ship_id", Entity::Ship),
    listed("launch_core", "core_id", Entity::Core),
    listed("launch_payload", "payload_id", Entity::Payload),
    listed("launch_site", "site_id", Entity::Launchpad),
    listed("mission_payload", "payload_id", Entity::Payload),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_relations_load_after_their_owners() {
        for (at, entity) in Entity::ALL.iter().enumerate() {
            assert_eq!(entity.as_str().parse::<Entity>().ok(), Some(*entity));
            assert_eq!(entity.to_string(), entity.as_str());
            if let Some(owner) = entity.owner() {
                assert!(Entity::ALL[..at].contains(&owner), "{entity}");
                assert!(entity.as_str().starts_with(owner.as_str()), "{entity}");
            }
        }
        assert_eq!(Entity::ALL.len(), 22);
        assert_eq!(Entity::LaunchShip.as_str(), "launch_ship");
        let required: Vec<&str> = Entity::ALL
            .iter()
            .filter(|e| e.required())
            .map(|e| e.as_str())
            .collect();
        assert_eq!(required, ["rocket", "mission", "launch"]);
    }
}
