//! Pulling every selected entity and relation from the API.
use std::collections::HashMap;
use std::io::Write;

use sha2::{Digest, Sha256};

use sxapi::records::{
    CapsuleMissionsPage, CapsulesPage, CompanyQuery, CoreMissionsPage, CoresPage, DragonsPage,
    HistoriesPage, LandpadsPage, LaunchCoresPage, LaunchPayloadsPage, LaunchShipsPage,
    LaunchSitesPage, LaunchpadsPage, MissionPayloadsPage, PayloadsPage, RoadsterQuery,
    ShipMissionsPage, ShipsPage,
};
use sxapi::{
    CancelToken, Client, Fetched, Launch, Mission, PagedQuery, Record, Rocket, SingleQuery,
};

/// What one run fetched: each entity independently succeeded or failed; `None` (or absent
/// from `others`) when `extractor.entities` does not list it.
#[derive(Debug, Default)]
pub struct Pulled {
    /// Launches (query `launches`).
    pub launches: Option<sxapi::Result<Fetched<Launch>>>,
    /// Missions (query `missions`).
    pub missions: Option<sxapi::Result<Fetched<Mission>>>,
    /// Rockets (query `rockets`).
    pub rockets: Option<sxapi::Result<Fetched<Rocket>>>,
    /// Every other entity and relation, by entity name. Only the raw JSON is kept: decoding
    /// into the typed record has already checked every value against the schema, and
    /// `transform` reads these rows straight off the JSON.
    pub others: HashMap<&'static str, sxapi::Result<Fetched<()>>>,
    /// The [`fingerprint`] of every entity fetched without error.
    pub fingerprints: HashMap<&'static str, String>,
}

impl Pulled {
    /// Every entity's fingerprint, or `None` when any fetch failed: only a complete pull can
    /// show that the upstream is unchanged.
    pub fn complete_fingerprints(
        &self,
        entities: &[&'static str],
    ) -> Option<Vec<(&'static str, String)>> {
        entities
            .iter()
            .map(|entity| Some((*entity, self.fingerprints.get(entity)?.clone())))
            .collect()
    }
}

/// SHA-256 (hex) of an entity's records as fetched (each record's JSON, in order, and where
/// the list held nulls): equal fingerprints mean the upstream served exactly the same. A
/// cryptographic hash, so a hostile upstream cannot forge a collision to hide a change.
pub fn fingerprint<T>(fetched: &Fetched<T>) -> String {
    let mut hasher = Sha256::new();
    for record in &fetched.records {
        // Writing into a hasher cannot fail, and serialising a `Value` cannot either.
        serde_json::to_writer(&mut hasher, &record.raw).expect("hashing a JSON value");
        hasher.update(b"\n");
    }
    for position in &fetched.null_positions {
        writeln!(hasher, "null at {position}").expect("hashing a position");
    }
    let digest = hasher.finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Fetches one entity, keeping only the raw JSON of its records.
type Fetch = fn(&Client, &CancelToken) -> sxapi::Result<Fetched<()>>;

/// The query of every entity and relation besides launches, missions and rockets. Each
/// relation has its own query, so a resolver broken upstream fails that relation alone.
const QUERIES: &[(&str, Fetch)] = &[
    ("capsule", paged::<CapsulesPage>),
    ("core", paged::<CoresPage>),
    ("dragon", paged::<DragonsPage>),
    ("history", paged::<HistoriesPage>),
    ("landpad", paged::<LandpadsPage>),
    ("launchpad", paged::<LaunchpadsPage>),
    ("payload", paged::<PayloadsPage>),
    ("ship", paged::<ShipsPage>),
    ("company", single::<CompanyQuery>),
    ("roadster", single::<RoadsterQuery>),
    ("launch_ship", paged::<LaunchShipsPage>),
    ("launch_core", paged::<LaunchCoresPage>),
    ("launch_payload", paged::<LaunchPayloadsPage>),
    ("launch_site", paged::<LaunchSitesPage>),
    ("mission_payload", paged::<MissionPayloadsPage>),
    ("capsule_mission", paged::<CapsuleMissionsPage>),
    ("core_mission", paged::<CoreMissionsPage>),
    ("ship_mission", paged::<ShipMissionsPage>),
];

fn paged<Q: PagedQuery>(client: &Client, cancel: &CancelToken) -> sxapi::Result<Fetched<()>> {
    client.fetch::<Q>(cancel).map(raw_only)
}

fn single<Q: SingleQuery>(client: &Client, cancel: &CancelToken) -> sxapi::Result<Fetched<()>> {
    client.fetch_one::<Q>(cancel).map(raw_only)
}

fn raw_only<T>(fetched: Fetched<T>) -> Fetched<()> {
    Fetched {
        records: fetched
            .records
            .into_iter()
            .map(|record| Record {
                value: (),
                raw: record.raw,
            })
            .collect(),
        null_positions: fetched.null_positions,
        pages: fetched.pages,
        retries: fetched.retries,
    }
}

/// Fetches every entity of `entities` (names of `repository::staging::ENTITIES`) completely
/// before anything is written. A failure of one entity does not stop the others (they can
/// still be published; see `sink`).
pub fn fetch_all(client: &Client, entities: &[&'static str], cancel: &CancelToken) -> Pulled {
    let wanted = |name: &str| entities.contains(&name);
    let mut pulled = Pulled {
        launches: wanted("launch").then(|| client.fetch_launches(cancel)),
        missions: wanted("mission").then(|| client.fetch_missions(cancel)),
        rockets: wanted("rocket").then(|| client.fetch_rockets(cancel)),
        others: HashMap::new(),
        fingerprints: HashMap::new(),
    };
    for (name, fetch) in QUERIES {
        if wanted(name) {
            pulled.others.insert(name, fetch(client, cancel));
        }
    }
    let typed_fingerprints = [
        (
            "launch",
            pulled
                .launches
                .as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(fingerprint),
        ),
        (
            "mission",
            pulled
                .missions
                .as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(fingerprint),
        ),
        (
            "rocket",
            pulled
                .rockets
                .as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(fingerprint),
        ),
    ];
    let other_fingerprints = pulled
        .others
        .iter()
        .map(|(name, r)| (*name, r.as_ref().ok().map(fingerprint)));
    pulled.fingerprints = typed_fingerprints
        .into_iter()
        .chain(other_fingerprints)
        .filter_map(|(name, fingerprint)| Some((name, fingerprint?)))
        .collect();
    let typed = [
        (
            "launch",
            pulled.launches.as_ref().and_then(|r| r.as_ref().err()),
        ),
        (
            "mission",
            pulled.missions.as_ref().and_then(|r| r.as_ref().err()),
        ),
        (
            "rocket",
            pulled.rockets.as_ref().and_then(|r| r.as_ref().err()),
        ),
    ];
    let others = pulled
        .others
        .iter()
        .map(|(name, r)| (*name, r.as_ref().err()));
    for (entity, error) in typed.into_iter().chain(others) {
        if let Some(error) = error {
            log::error!("Fetching {entity} from {} failed: {error}", client.url());
        }
    }
    pulled
}

/// Plain HTTP is fine on loopback (the local fake, a tunnel) and worth a warning elsewhere.
pub fn warn_if_insecure(url: &str) {
    if is_insecure(url) {
        log::warn!("The API URL {url} is plain HTTP: responses are neither private nor authenticated. Prefer https://.");
    }
}

/// Plain HTTP to anything but loopback: responses can be read and forged on the way.
fn is_insecure(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else {
        return false; // the config check reports unparsable URLs
    };
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Domain(domain)) => !domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
            None => true,
        }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn fetched(raws: &[Value], null_positions: &[usize]) -> Fetched<()> {
        Fetched {
            records: raws
                .iter()
                .map(|raw| Record {
                    value: (),
                    raw: raw.clone(),
                })
                .collect(),
            null_positions: null_positions.to_vec(),
            pages: 1,
            retries: 0,
        }
    }

    #[test]
    fn the_fingerprint_changes_with_any_value_the_order_or_a_null_element() {
        let a = json!({"id": "1", "name": "FalconSat"});
        let b = json!({"id": "2", "name": "DemoSat"});
        let base = fingerprint(&fetched(&[a.clone(), b.clone()], &[]));
        assert_eq!(base.len(), 64, "hex SHA-256");
        assert_eq!(fingerprint(&fetched(&[a.clone(), b.clone()], &[])), base);
        let renamed = json!({"id": "2", "name": "DemoSat 2"});
        for other in [
            fetched(&[a.clone(), renamed], &[]),
            fetched(&[b.clone(), a.clone()], &[]),
            fetched(&[a.clone(), b.clone()], &[2]),
            fetched(std::slice::from_ref(&a), &[]),
        ] {
            assert_ne!(fingerprint(&other), base);
        }
    }

    #[test]
    fn plain_http_is_insecure_except_on_loopback() {
        for url in [
            "http://example.com/",
            "http://10.0.0.5:4000/",
            "http://[2001:db8::1]/",
        ] {
            assert!(is_insecure(url), "{url}");
        }
        for url in [
            "https://spacex-production.up.railway.app/",
            "http://127.0.0.1:4000/",
            "http://localhost:4000/graphql",
            "http://[::1]:4000/",
        ] {
            assert!(!is_insecure(url), "{url}");
        }
    }

    /// Every entity of staging is fetched by something: the three typed ones or `QUERIES`.
    #[test]
    fn every_staging_entity_has_a_query() {
        for entity in repository::staging::ENTITIES {
            let typed = ["launch", "mission", "rocket"].contains(&entity.name);
            let queried = QUERIES.iter().any(|(name, _)| *name == entity.name);
            assert!(typed != queried, "{} needs exactly one query", entity.name);
        }
        assert_eq!(QUERIES.len() + 3, repository::staging::ENTITIES.len());
    }
}
