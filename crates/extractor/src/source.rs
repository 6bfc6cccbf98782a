//! Pulling every entity from the API.
use sxapi::{CancelToken, Client, Fetched, Launch, Mission, Rocket};

/// What one run fetched: each entity independently succeeded or failed.
#[derive(Debug)]
pub struct Pulled {
    /// Launches (query `launches`).
    pub launches: sxapi::Result<Fetched<Launch>>,
    /// Missions (query `missions`).
    pub missions: sxapi::Result<Fetched<Mission>>,
    /// Rockets (query `rockets`).
    pub rockets: sxapi::Result<Fetched<Rocket>>,
}

/// Fetches every entity completely before anything is written. A failure of one entity does
/// not stop the others (they can still be published; see `sink`).
pub fn fetch_all(client: &Client, cancel: &CancelToken) -> Pulled {
    let pulled = Pulled {
        launches: client.fetch_launches(cancel),
        missions: client.fetch_missions(cancel),
        rockets: client.fetch_rockets(cancel),
    };
    for (entity, error) in [
        ("launches", pulled.launches.as_ref().err()),
        ("missions", pulled.missions.as_ref().err()),
        ("rockets", pulled.rockets.as_ref().err()),
    ] {
        if let Some(error) = error {
            log::error!("Fetching {entity} from {} failed: {error}", client.url());
        }
    }
    pulled
}

/// Plain HTTP is fine on loopback (the local fake, a tunnel) and worth a warning elsewhere.
pub fn warn_if_insecure(url: &str) {
    let Some(rest) = url.strip_prefix("http://") else {
        return;
    };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    let loopback = host == "localhost" || host.starts_with("127.") || host == "[";
    if !loopback {
        log::warn!("The API URL {url} is plain HTTP: responses are neither private nor authenticated. Prefer https://.");
    }
}
