//! The data a fake server answers from: named collections (list root fields such as `launches`)
//! and named single objects (root fields such as `company`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// The file (stem) of a fixture directory that says which resolvers are broken (see
/// [`Broken`]): configuration of the set, not a collection.
const BROKEN_FILE: &str = "_broken";

/// The files of one embedded fixture set: (collection name, JSON text) pairs.
macro_rules! fixture_set {
    ($set:literal: $($name:literal),+ $(,)?) => {
        ($set, &[$(($name, include_str!(concat!("../fixtures/", $set, "/", $name, ".json")))),+])
    };
}

/// The embedded fixture sets: name → (collection name, JSON text) pairs.
///
/// They are embedded so that tests and the demo binary work from any working directory.
const FIXTURES: &[(&str, &[(&str, &str)])] = &[
    fixture_set!("current": "launches", "missions", "rockets", "capsules", "cores", "dragons",
        "histories", "landpads", "launchpads", "payloads", "ships", "company", "roadster",
        "_broken"),
    fixture_set!("original": "launches", "missions", "rockets", "capsules", "cores", "dragons",
        "histories", "landpads", "launchpads", "payloads", "ships", "company", "roadster"),
];

/// Why a dataset could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The name is neither an embedded fixture set nor (for [`Dataset::load`]) a directory.
    #[error("unknown fixture set {0:?} (expected \"current\", \"original\" or a directory)")]
    UnknownFixture(String),
    /// A directory or file could not be read.
    #[error("failed to read {path}")]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("failed to parse {path} as JSON")]
    Json {
        /// The file (for embedded fixtures: `<set>/<collection>.json`).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// A file holds JSON that is neither an array (a collection) nor an object.
    #[error("{path} must hold a JSON array (a collection) or a JSON object")]
    Shape {
        /// The file.
        path: PathBuf,
    },
}

/// A resolver that misbehaves the way some of the current endpoint's do (see
/// `../shared/spacex-reference/PROVENANCE.md`, section 4), keyed by the field it breaks: a root
/// field (`payloads`) or `Type.field` for a field of a record (`Launch.ships`, with the loose
/// type names of `__typename`).
///
/// In a fixture directory, `_broken.json` maps such keys to `{"error": "message"}` or
/// `{"serves": "collection"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Broken {
    /// The field answers `null` plus an `errors` entry with this message and the field's
    /// `path`, as Apollo does when a resolver throws (HTTP 200; the rest of the answer stands).
    Error(String),
    /// A list root field answers the records of this other collection (the current
    /// `launchpads` answers landpads): fields the other records lack come back `null`.
    Serves(String),
}

/// Root-field name → stored records, shaped like the GraphQL answers (GraphQL field names,
/// nested objects inline), plus the resolvers that are broken.
///
/// New collections (capsules, ships, …) need no code: any collection name becomes a list root
/// field, and `<name>Past` / `<name>Upcoming` filter it on the records' `upcoming` flag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    collections: BTreeMap<String, Vec<Value>>,
    objects: BTreeMap<String, Value>,
    broken: BTreeMap<String, Broken>,
}

impl Dataset {
    /// An empty dataset: every list root field is unknown until a collection is added.
    pub fn new() -> Self {
        Self::default()
    }

    /// One of the embedded, hand-written fixture sets: `"current"` (today's endpoint) or
    /// `"original"` (the first api.spacex.land). See `fixtures/README.md`.
    pub fn fixture(name: &str) -> Result<Self, DatasetError> {
        let (_, files) = FIXTURES
            .iter()
            .find(|(set, _)| *set == name)
            .ok_or_else(|| DatasetError::UnknownFixture(name.to_owned()))?;
        let mut dataset = Self::new();
        for (collection, text) in *files {
            let path = PathBuf::from(format!("{name}/{collection}.json"));
            let value = serde_json::from_str(text).map_err(|source| DatasetError::Json {
                path: path.clone(),
                source,
            })?;
            dataset.insert(collection, value, &path)?;
        }
        Ok(dataset)
    }

    /// A fixture set by name, or else a directory for [`Dataset::load_dir`] (what the CLI's
    /// `--fixtures` accepts).
    pub fn load(spec: &str) -> Result<Self, DatasetError> {
        match Self::fixture(spec) {
            Err(DatasetError::UnknownFixture(_)) if Path::new(spec).is_dir() => {
                Self::load_dir(spec)
            }
            other => other,
        }
    }

    /// Every `*.json` file of a directory: a file holding an array becomes the collection named
    /// after the file stem, a file holding an object the single object of that name.
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Self, DatasetError> {
        let dir = dir.as_ref();
        let io_error = |path: &Path| {
            let path = path.to_owned();
            move |source| DatasetError::Io { path, source }
        };
        let mut dataset = Self::new();
        for entry in std::fs::read_dir(dir).map_err(io_error(dir))? {
            let path = entry.map_err(io_error(dir))?.path();
            let Some(name) = path.file_stem().and_then(|stem| stem.to_str()) else {
                continue;
            };
            if path.extension().is_none_or(|ext| ext != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(io_error(&path))?;
            let value = serde_json::from_str(&text).map_err(|source| DatasetError::Json {
                path: path.clone(),
                source,
            })?;
            dataset.insert(name, value, &path)?;
        }
        Ok(dataset)
    }

    /// Stores one parsed file under `name` according to its shape.
    fn insert(&mut self, name: &str, value: Value, path: &Path) -> Result<(), DatasetError> {
        if name == BROKEN_FILE {
            self.broken = serde_json::from_value(value).map_err(|source| DatasetError::Json {
                path: path.to_owned(),
                source,
            })?;
            return Ok(());
        }
        match value {
            Value::Array(records) => *self.collection_mut(name) = records,
            Value::Object(_) => self.set_object(name, value),
            _ => {
                return Err(DatasetError::Shape {
                    path: path.to_owned(),
                })
            }
        }
        Ok(())
    }

    /// The records of a collection, if the dataset has it.
    pub fn collection(&self, name: &str) -> Option<&[Value]> {
        self.collections.get(name).map(Vec::as_slice)
    }

    /// The records of a collection for editing; an absent collection is created empty.
    pub fn collection_mut(&mut self, name: &str) -> &mut Vec<Value> {
        self.collections.entry(name.to_owned()).or_default()
    }

    /// The names of all collections, sorted.
    pub fn collection_names(&self) -> impl Iterator<Item = &str> {
        self.collections.keys().map(String::as_str)
    }

    /// A single object root field (e.g. `company`), if the dataset has it.
    pub fn object(&self, name: &str) -> Option<&Value> {
        self.objects.get(name)
    }

    /// Sets (or replaces) a single object root field.
    pub fn set_object(&mut self, name: &str, value: Value) {
        self.objects.insert(name.to_owned(), value);
    }

    /// Breaks the resolver of `field` (a root field, or `Type.field`), replacing any earlier
    /// breakage of it.
    pub fn break_resolver(&mut self, field: &str, how: Broken) {
        self.broken.insert(field.to_owned(), how);
    }

    /// Mends every broken resolver: the dataset then answers like a healthy endpoint.
    pub fn repair_resolvers(&mut self) {
        self.broken.clear();
    }

    /// How `field` (a root field, or `Type.field`) is broken, if it is.
    pub fn broken(&self, field: &str) -> Option<&Broken> {
        self.broken.get(field)
    }

    /// Removes every record of `collection` whose `id` is `id` (a string, or a number written
    /// as a string) and returns how many were removed. Every one goes, because ids are not
    /// unique everywhere (the original API has two launches "110").
    pub fn remove(&mut self, collection: &str, id: &str) -> usize {
        let Some(records) = self.collections.get_mut(collection) else {
            return 0;
        };
        let before = records.len();
        records.retain(|record| !has_id(record, id));
        before - records.len()
    }
}

/// Whether a record's `id` field equals `id` (ids are strings, but tolerate numbers).
pub(crate) fn has_id(record: &Value, id: &str) -> bool {
    match record.get("id") {
        Some(Value::String(s)) => s == id,
        Some(Value::Number(n)) => n.to_string() == id,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_fixture_is_an_error() {
        assert!(matches!(
            Dataset::fixture("nope"),
            Err(DatasetError::UnknownFixture(_))
        ));
        assert!(Dataset::load("/definitely/not/here").is_err());
    }

    #[test]
    fn the_current_set_breaks_what_the_current_endpoint_breaks() {
        let mut current = Dataset::fixture("current").unwrap();
        assert!(matches!(current.broken("payloads"), Some(Broken::Error(_))));
        assert!(matches!(
            current.broken("Launch.ships"),
            Some(Broken::Error(_))
        ));
        assert_eq!(
            current.broken("launchpads"),
            Some(&Broken::Serves("landpads".into()))
        );
        current.repair_resolvers();
        assert_eq!(current.broken("payloads"), None);
        assert_eq!(
            Dataset::fixture("original").unwrap().broken("payloads"),
            None
        );
    }

    #[test]
    fn remove_drops_every_record_with_the_id() {
        let mut dataset = Dataset::new();
        *dataset.collection_mut("launches") = vec![
            json!({"id": "110"}),
            json!({"id": 110}),
            json!({"id": "109"}),
        ];
        assert_eq!(dataset.remove("launches", "110"), 2);
        assert_eq!(
            dataset.collection("launches"),
            Some(&[json!({"id": "109"})][..])
        );
        assert_eq!(dataset.remove("ships", "1"), 0);
    }

    #[test]
    fn load_dir_reads_arrays_and_objects() {
        let dir = std::env::temp_dir().join(format!("spacex-fake-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ships.json"), r#"[{"id": "GOMSTREE"}]"#).unwrap();
        std::fs::write(dir.join("company.json"), r#"{"name": "SpaceX"}"#).unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        std::fs::write(
            dir.join("_broken.json"),
            r#"{"payloads": {"error": "boom"}, "launchpads": {"serves": "landpads"}}"#,
        )
        .unwrap();
        let dataset = Dataset::load(dir.to_str().unwrap()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(dataset.collection("ships").map(<[_]>::len), Some(1));
        assert_eq!(dataset.object("company"), Some(&json!({"name": "SpaceX"})));
        assert_eq!(dataset.collection_names().collect::<Vec<_>>(), ["ships"]);
        assert_eq!(
            dataset.broken("payloads"),
            Some(&Broken::Error("boom".into()))
        );
        assert_eq!(
            dataset.broken("launchpads"),
            Some(&Broken::Serves("landpads".into()))
        );
        assert_eq!(dataset.broken("launches"), None);
    }
}
