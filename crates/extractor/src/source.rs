//! Pulling every selected entity and relation from the API, each spooled to a temporary file
//! page by page, so that a run holds one page of records at a time, never a whole entity.
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};

use serde_json::Value;
use sha2::{Digest, Sha256};

use cancel::CancelToken;
use db_models::entity::Entity;
use db_models::for_each_entity;
use repository::error::one_line;
use sxapi::records::*;
use sxapi::{Client, Fetched, PagedQuery, SingleQuery};

use crate::progress::Progress;

/// Why an entity could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The API failed (after the retries) or answered something unusable.
    #[error("{0}")]
    Api(#[from] sxapi::Error),
    /// Its records could not be written to (or read back from) the temporary spool file.
    #[error("spooling the records to a temporary file failed: {0}")]
    Spool(#[from] io::Error),
    /// Not asked for: an earlier fetch of the run found the API host unreachable.
    #[error("not fetched: the API host was unreachable")]
    HostUnreachable,
}

impl FetchError {
    /// Whether the upstream answered that it cannot serve the entity (GraphQL errors, such as
    /// Apollo's `INTERNAL_SERVER_ERROR` from a broken resolver, or no data for the field), as
    /// opposed to a failure on the way (transport, HTTP status, timeout, a garbled answer).
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            FetchError::Api(sxapi::Error::GraphQl(_) | sxapi::Error::NoData(_))
        )
    }

    /// For an unavailable entity, the fingerprint of the answer (SHA-256 of the error text): a
    /// later run that gets the same answer finds the upstream unchanged.
    pub fn unavailable_fingerprint(&self) -> Option<String> {
        self.is_unavailable()
            .then(|| hex(&Sha256::digest(format!("unavailable: {self}"))))
    }
}

/// Lowercase hex of a digest.
fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What one run fetched: per entity of `extractor.entities`, in fetch order, its spooled
/// records or why the fetch failed.
#[derive(Debug, Default)]
pub struct Pulled {
    /// Each fetched entity.
    pub entities: HashMap<Entity, Result<Spooled, FetchError>>,
}

impl Pulled {
    /// Every entity's fingerprint, or `None` when any fetch failed: only a complete pull can
    /// show that the upstream is unchanged. A best-effort entity (not in `required`) the
    /// upstream cannot serve counts with the fingerprint of that answer.
    pub fn complete_fingerprints(
        &self,
        entities: &[Entity],
        required: &[Entity],
    ) -> Option<Vec<(&'static str, String)>> {
        entities
            .iter()
            .map(|entity| {
                let fingerprint = match self.entities.get(entity)? {
                    Ok(spooled) => spooled.fingerprint.clone(),
                    Err(error) if !required.contains(entity) => error.unavailable_fingerprint()?,
                    Err(_) => return None,
                };
                Some((entity.as_str(), fingerprint))
            })
            .collect()
    }
}

/// An entity being fetched: each page's records are appended to a temporary file, one JSON
/// document per line, and hashed on the way into the entity's fingerprint.
struct Spool {
    file: BufWriter<File>,
    hasher: Sha256,
    line: Vec<u8>,
    records: usize,
    null_positions: Vec<usize>,
    pages: u32,
    retries: u32,
}

impl Spool {
    /// An empty spool on a new anonymous temporary file (gone when dropped).
    fn new() -> io::Result<Spool> {
        Ok(Spool {
            file: BufWriter::new(tempfile::tempfile()?),
            hasher: Sha256::new(),
            line: Vec::new(),
            records: 0,
            null_positions: Vec::new(),
            pages: 0,
            retries: 0,
        })
    }

    /// Appends one page (see [`Client::fetch_pages`]).
    fn push<T>(&mut self, page: Fetched<T>) -> io::Result<()> {
        for record in page.records {
            self.line.clear();
            serde_json::to_writer(&mut self.line, &record.raw)?;
            self.line.push(b'\n');
            self.hasher.update(&self.line);
            self.file.write_all(&self.line)?;
            self.records += 1;
        }
        self.null_positions.extend(page.null_positions);
        self.pages += page.pages;
        self.retries += page.retries;
        Ok(())
    }

    /// The spool, ready to be read back. The fingerprint is SHA-256 (hex) of each record's
    /// JSON followed by a newline, in order, then `null at {position}` and a newline for each
    /// null element of the list: equal fingerprints mean the upstream served exactly the same.
    /// A cryptographic hash, so a hostile upstream cannot forge a collision to hide a change.
    fn finish(self) -> io::Result<Spooled> {
        let Spool {
            file,
            mut hasher,
            records,
            null_positions,
            pages,
            retries,
            ..
        } = self;
        for position in &null_positions {
            writeln!(hasher, "null at {position}")?;
        }
        let digest = hasher.finalize();
        let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.rewind()?;
        Ok(Spooled {
            file: BufReader::new(file),
            records,
            null_positions,
            pages,
            retries,
            fingerprint: hex(&digest),
        })
    }
}

/// Every record of one entity as fetched, on a temporary file: read back once, in order, by
/// [`Spooled::next_record`].
#[derive(Debug)]
pub struct Spooled {
    file: BufReader<File>,
    /// Records (non-null list elements) fetched.
    pub records: usize,
    /// Positions (over all pages) of `null` list elements, which carry no record.
    pub null_positions: Vec<usize>,
    /// Pages requested.
    pub pages: u32,
    /// Requests retried after a transient failure.
    pub retries: u32,
    /// The fetch's fingerprint (see `Spool::finish`).
    pub fingerprint: String,
}

impl Spooled {
    /// The next record, exactly as the API sent it; `None` after the last.
    pub fn next_record(&mut self) -> io::Result<Option<Value>> {
        let mut line = String::new();
        if self.file.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        Ok(Some(serde_json::from_str(&line)?))
    }
}

/// Told after each page: records and pages fetched so far.
type OnPage<'a> = &'a mut dyn FnMut(usize, u32);

/// Reads the registry ([`db_models::for_each_entity!`]) into [`fetch`]: each entity and
/// relation has its own query, so a resolver broken upstream fails that one alone.
macro_rules! queries {
    (
        objects { $(
            $variant:ident $name:ident : $kind:ident($query:ident) label $label:tt $need:ident
            row $row:tt convert $convert:tt;
        )+ }
        relations { $(
            $rvariant:ident $rname:ident : $many:ident($rquery:ident) of $owner:tt
            at $path:tt prefix $prefix:tt row $rrow:tt;
        )+ }
    ) => {
        /// Fetches one entity into a spool, telling `on_page` the records and pages so far.
        fn fetch(entity: Entity, client: &Client, cancel: &CancelToken, on_page: OnPage) -> Result<Spooled, FetchError> {
            match entity {
                $(Entity::$variant => queries!(@$kind $query)(client, cancel, on_page),)+
                $(Entity::$rvariant => paged::<$rquery>(client, cancel, on_page),)+
            }
        }
    };
    (@list $query:ident) => { paged::<$query> };
    (@single $query:ident) => { single::<$query> };
}

for_each_entity!(queries);

/// Every page of `Q`, decoded (which checks every value against the schema) and spooled.
fn paged<Q: PagedQuery>(
    client: &Client,
    cancel: &CancelToken,
    on_page: OnPage,
) -> Result<Spooled, FetchError> {
    let mut spool = Spool::new()?;
    client.fetch_pages::<Q, FetchError>(cancel, |page| {
        spool.push(page)?;
        on_page(spool.records, spool.pages);
        Ok(())
    })?;
    Ok(spool.finish()?)
}

fn single<Q: SingleQuery>(
    client: &Client,
    cancel: &CancelToken,
    on_page: OnPage,
) -> Result<Spooled, FetchError> {
    let mut spool = Spool::new()?;
    spool.push(client.fetch_one::<Q>(cancel)?)?;
    on_page(spool.records, spool.pages);
    Ok(spool.finish()?)
}

/// Fetches every entity of `entities` completely before anything is written, in that order,
/// each into its own spool. A failure of one entity does not stop
/// the others (they can still be published; see `sink`), except when the API host cannot be
/// reached at all: then the rest of the run asks nothing more of it (each would only wait
/// through its own retries) and those entities fail as [`FetchError::HostUnreachable`].
/// `progress` hears of every page.
pub fn fetch_all(
    client: &Client,
    entities: &[Entity],
    cancel: &CancelToken,
    progress: &mut Progress,
) -> Pulled {
    let mut pulled = Pulled::default();
    let mut unreachable = false;
    for (done, &entity) in entities.iter().enumerate() {
        if unreachable {
            pulled
                .entities
                .insert(entity, Err(FetchError::HostUnreachable));
            continue;
        }
        let fetched = fetch(entity, client, cancel, &mut |records, pages| {
            progress.fetched(entity.as_str(), records, pages);
        });
        match &fetched {
            // Reported once per run, with the others (see `crate::Extractor`).
            // A shutdown: the run is recorded as cancelled.
            Err(_) if cancel.is_cancelled() => {}
            Err(FetchError::Api(error)) if error.is_unreachable() => {
                unreachable = true;
                log::error!(
                        "Fetching {entity} from {} failed: {}; the host cannot be reached, so the other {} entities of this run are not asked for.",
                        client.url(),
                        one_line(&error.to_string()),
                        entities.len() - done - 1
                    );
            }
            Err(error) if error.is_unavailable() => {
                log::debug!(
                    "{entity} is unavailable upstream: {}",
                    one_line(&error.to_string())
                );
            }
            Err(error) => log::error!(
                "Fetching {entity} from {} failed: {}",
                client.url(),
                one_line(&error.to_string())
            ),
            Ok(_) => {}
        }
        pulled.entities.insert(entity, fetched);
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
    use serde_json::json;
    use sxapi::Record;

    /// The spool of one page holding `raws` and null elements at `null_positions`.
    fn spooled(raws: &[Value], null_positions: &[usize]) -> Spooled {
        let mut spool = Spool::new().unwrap();
        spool
            .push(Fetched {
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
            })
            .unwrap();
        spool.finish().unwrap()
    }

    fn fingerprint(raws: &[Value], null_positions: &[usize]) -> String {
        spooled(raws, null_positions).fingerprint
    }

    #[test]
    fn the_fingerprint_changes_with_any_value_the_order_or_a_null_element() {
        let a = json!({"id": "1", "name": "FalconSat"});
        let b = json!({"id": "2", "name": "DemoSat"});
        let base = fingerprint(&[a.clone(), b.clone()], &[]);
        assert_eq!(base.len(), 64, "hex SHA-256");
        assert_eq!(fingerprint(&[a.clone(), b.clone()], &[]), base);
        let renamed = json!({"id": "2", "name": "DemoSat 2"});
        for other in [
            fingerprint(&[a.clone(), renamed], &[]),
            fingerprint(&[b.clone(), a.clone()], &[]),
            fingerprint(&[a.clone(), b.clone()], &[2]),
            fingerprint(std::slice::from_ref(&a), &[]),
        ] {
            assert_ne!(other, base);
        }
    }

    /// Pages spooled one after the other read back as the records in order, exactly as sent
    /// (odd text included), and fingerprint like the same records sent in one page.
    #[test]
    fn a_spool_reads_back_every_page_in_order() {
        let records = [
            json!({"id": "1", "details": "line\nbreak \u{0} nul \u{FFFF} marker", "n": 1.5}),
            json!({"id": "2", "nested": {"list": [1, null, "x"]}}),
            json!({"id": "3"}),
        ];
        let mut spool = Spool::new().unwrap();
        for (page, null_positions) in [(&records[..2], vec![2]), (&records[2..], vec![])] {
            spool
                .push(Fetched {
                    records: page
                        .iter()
                        .map(|raw| Record {
                            value: (),
                            raw: raw.clone(),
                        })
                        .collect(),
                    null_positions,
                    pages: 1,
                    retries: 1,
                })
                .unwrap();
        }
        let mut spooled = spool.finish().unwrap();
        assert_eq!((spooled.records, spooled.pages, spooled.retries), (3, 2, 2));
        assert_eq!(spooled.fingerprint, fingerprint(&records, &[2]));
        for record in &records {
            assert_eq!(spooled.next_record().unwrap().as_ref(), Some(record));
        }
        assert_eq!(spooled.next_record().unwrap(), None);
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
}
