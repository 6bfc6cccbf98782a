//! The fixture sets and the synthetic dataset have the properties tests elsewhere rely on,
//! including the publication counts documented in `fixtures/README.md`.

use std::collections::HashSet;

use serde_json::Value;
use spacex_fake::{Dataset, FakeServer};

use crate::helpers::{ids, post};

const LAUNCH_FIELDS: &str = "id mission_name mission_id launch_date_unix launch_success upcoming \
    links { article_link wikipedia presskit video_link reddit_campaign reddit_launch reddit_media \
    reddit_recovery flickr_images mission_patch mission_patch_small }";

/// Publication kinds: (kind, fields holding it) for launch links, missions and rockets.
const LAUNCH_KINDS: [(&str, &[&str]); 6] = [
    ("articles", &["article_link"]),
    ("wikipedia", &["wikipedia"]),
    ("presskits", &["presskit"]),
    ("videos", &["video_link"]),
    (
        "reddit",
        &[
            "reddit_campaign",
            "reddit_launch",
            "reddit_media",
            "reddit_recovery",
        ],
    ),
    ("photos", &["flickr_images"]),
];
const MISSION_KINDS: [(&str, &[&str]); 3] = [
    ("wikipedia", &["wikipedia"]),
    ("websites", &["website"]),
    ("twitter", &["twitter"]),
];
const ROCKET_KINDS: [(&str, &[&str]); 1] = [("wikipedia", &["wikipedia"])];

/// The README rule: trimmed, absolute, http(s) in any case, non-empty host.
fn publication_url(value: &Value) -> Option<&str> {
    let text = value.as_str()?.trim();
    let url = url::Url::parse(text).ok()?;
    let web =
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty());
    web.then_some(text)
}

/// Publications per kind of one object; each (kind, URL) pair counts once.
fn publications(object: &Value, kinds: &[(&str, &[&str])]) -> Vec<usize> {
    kinds
        .iter()
        .map(|(_, fields)| {
            let values = fields.iter().flat_map(|field| match &object[*field] {
                Value::Array(items) => items.iter().collect(),
                value => vec![value],
            });
            values
                .filter_map(publication_url)
                .collect::<HashSet<_>>()
                .len()
        })
        .collect()
}

/// (id, counts per kind) for records in response order, keeping only the first of equal ids.
fn count_all(
    records: &Value,
    kinds: &[(&str, &[&str])],
    nested: Option<&str>,
) -> Vec<(String, Vec<usize>)> {
    let mut seen = HashSet::new();
    let records = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| seen.insert(r["id"].clone()));
    records
        .map(|r| {
            let object = nested.map_or(r, |field| &r[field]);
            (
                r["id"].as_str().unwrap().to_owned(),
                publications(object, kinds),
            )
        })
        .collect()
}

fn fetch(fixture: &str) -> Value {
    let server = FakeServer::start(Dataset::fixture(fixture).unwrap());
    let query = format!(
        "{{ launches {{ {LAUNCH_FIELDS} }} missions {{ id name wikipedia website twitter }} \
           rockets {{ id name wikipedia }} }}"
    );
    post(&server.url(), &query).data()
}

fn expect(rows: &[(&str, &[usize])]) -> Vec<(String, Vec<usize>)> {
    rows.iter()
        .map(|(id, counts)| ((*id).to_owned(), counts.to_vec()))
        .collect()
}

#[test]
fn current_mimics_todays_endpoint() {
    let data = fetch("current");
    let launches = data["launches"].as_array().unwrap();
    assert_eq!(launches.len(), 8);
    assert_eq!(data["missions"], serde_json::json!([]));
    assert_eq!(data["rockets"].as_array().unwrap().len(), 4);
    let unix: Vec<i64> = launches
        .iter()
        .map(|l| l["launch_date_unix"].as_i64().unwrap())
        .collect();
    assert!(unix.is_sorted(), "oldest first");
    assert_eq!(launches.iter().filter(|l| l["upcoming"] == true).count(), 2);
    for launch in launches {
        let id = launch["id"].as_str().unwrap();
        assert!(
            id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(launch["mission_id"], serde_json::json!([id]));
        assert_eq!(launch["launch_success"], Value::Null);
        assert_eq!(launch["links"]["mission_patch"], Value::Null);
        assert_eq!(launch["links"]["mission_patch_small"], Value::Null);
    }
    assert_eq!(
        ids(&data["launches"])
            .into_iter()
            .collect::<HashSet<_>>()
            .len(),
        8
    );
}

/// The current set breaks what the current endpoint breaks (PROVENANCE.md, section 4):
/// `payloads` errors, `launchpads` answers landpads (launchpad fields null), `Launch.ships`
/// errors for every launch; the rest of each answer stands. The original set breaks nothing.
#[test]
fn current_reproduces_the_broken_resolvers() {
    let server = FakeServer::start(Dataset::fixture("current").unwrap());
    let answer = post(
        &server.url(),
        "{ payloads { id } launchpads { __typename id name full_name } \
           launches(limit: 2) { id ships { id } } landpads { id } }",
    );
    assert_eq!(answer.status, 200);
    let json = answer.json();
    let data = &json["data"];
    assert_eq!(data["payloads"], Value::Null);
    let landpads = ids(&data["landpads"]);
    assert_eq!(
        ids(&data["launchpads"]),
        landpads,
        "launchpads serves landpads"
    );
    for pad in data["launchpads"].as_array().unwrap() {
        assert_eq!(pad["__typename"], "Launchpad");
        assert_eq!(pad["name"], Value::Null, "a landpad has no launchpad name");
        assert!(pad["full_name"].is_string());
    }
    for launch in data["launches"].as_array().unwrap() {
        assert!(launch["id"].is_string());
        assert_eq!(launch["ships"], Value::Null);
    }
    let paths: Vec<&Value> = json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["path"])
        .collect();
    assert_eq!(
        paths,
        [
            &serde_json::json!(["payloads"]),
            &serde_json::json!(["launches", 0, "ships"]),
            &serde_json::json!(["launches", 1, "ships"]),
        ]
    );

    let mut repaired = Dataset::fixture("current").unwrap();
    repaired.repair_resolvers();
    server.set_dataset(repaired);
    let data = post(&server.url(), "{ payloads { id } launchpads { name } }").data();
    assert_eq!(data["payloads"].as_array().unwrap().len(), 2);
    assert!(data["launchpads"][0]["name"].is_string());

    let original = FakeServer::start(Dataset::fixture("original").unwrap());
    let data = post(
        &original.url(),
        "{ payloads { id } launchpads { name } launches { ships { id } } }",
    )
    .data();
    assert!(data["payloads"].is_array() && data["launchpads"][0]["name"].is_string());
}

#[test]
fn original_mimics_the_first_api() {
    let data = fetch("original");
    let launches = data["launches"].as_array().unwrap();
    assert_eq!(launches.len(), 8);
    let flights: Vec<u32> = ids(&data["launches"])
        .iter()
        .map(|id| id.parse().unwrap())
        .collect();
    assert!(
        flights.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {flights:?}"
    );
    let duplicates: Vec<&Value> = launches.iter().filter(|l| l["id"] == "110").collect();
    assert_eq!(duplicates.len(), 2);
    assert_ne!(duplicates[0]["mission_name"], duplicates[1]["mission_name"]);

    let missions: HashSet<String> = ids(&data["missions"]).into_iter().collect();
    assert_eq!(missions.len(), 4);
    assert_eq!(
        data["missions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["twitter"].is_null())
            .count(),
        1
    );
    let referenced: Vec<&Value> = launches
        .iter()
        .flat_map(|l| l["mission_id"].as_array().unwrap())
        .collect();
    assert!(
        !referenced.is_empty()
            && referenced
                .iter()
                .all(|m| missions.contains(m.as_str().unwrap()))
    );
    assert!(launches
        .iter()
        .any(|l| l["mission_id"] == serde_json::json!([])));
    assert_eq!(ids(&data["rockets"]), ["falcon1", "falcon9", "falconheavy"]);
}

#[test]
fn current_publications_match_the_readme() {
    let data = fetch("current");
    assert_eq!(
        count_all(&data["launches"], &LAUNCH_KINDS, Some("links")),
        expect(&[
            ("60a1c3e5f7b9d2e4a6c8e0f1", &[1, 1, 0, 1, 0, 0]),
            ("60a1c3e5f7b9d2e4a6c8e0f2", &[1, 1, 0, 1, 0, 0]),
            ("60a1c3e5f7b9d2e4a6c8e0f3", &[1, 1, 1, 1, 0, 0]),
            ("60a1c3e5f7b9d2e4a6c8e0f4", &[1, 1, 1, 1, 3, 2]),
            ("60a1c3e5f7b9d2e4a6c8e0f5", &[1, 1, 1, 1, 2, 2]),
            ("60a1c3e5f7b9d2e4a6c8e0f6", &[0, 1, 0, 1, 1, 1]),
            ("60a1c3e5f7b9d2e4a6c8e0f7", &[0, 1, 0, 0, 1, 0]),
            ("60a1c3e5f7b9d2e4a6c8e0f8", &[0, 1, 0, 0, 0, 0]),
        ])
    );
    assert!(count_all(&data["missions"], &MISSION_KINDS, None).is_empty());
    assert_eq!(
        count_all(&data["rockets"], &ROCKET_KINDS, None),
        expect(&[
            ("60a1b2c3d4e5f60718293a01", &[1]),
            ("60a1b2c3d4e5f60718293a02", &[1]),
            ("60a1b2c3d4e5f60718293a03", &[1]),
            ("60a1b2c3d4e5f60718293a04", &[1]),
        ])
    );
}

#[test]
fn original_publications_match_the_readme() {
    let data = fetch("original");
    assert_eq!(
        count_all(&data["launches"], &LAUNCH_KINDS, Some("links")),
        expect(&[
            ("110", &[0, 1, 0, 1, 1, 0]),
            ("109", &[1, 1, 0, 1, 3, 2]),
            ("108", &[1, 1, 0, 1, 2, 1]),
            ("107", &[1, 1, 1, 1, 3, 3]),
            ("103", &[0, 1, 0, 0, 1, 0]),
            ("55", &[1, 1, 1, 1, 3, 2]),
            ("1", &[1, 1, 0, 1, 0, 0]),
        ])
    );
    assert_eq!(
        count_all(&data["missions"], &MISSION_KINDS, None),
        expect(&[
            ("9F1C2A7", &[1, 1, 1]),
            ("4B7D0E2", &[1, 1, 0]),
            ("C8E1F03", &[1, 1, 1]),
            ("2D5A9B6", &[1, 1, 1]),
        ])
    );
    assert_eq!(
        count_all(&data["rockets"], &ROCKET_KINDS, None),
        expect(&[("falcon1", &[0]), ("falcon9", &[1]), ("falconheavy", &[1])])
    );
}

#[test]
fn synthetic_is_deterministic_unique_and_countable() {
    const N: usize = 1000;
    let bytes = |dataset: &Dataset| serde_json::to_vec(&dataset.collection("launches")).unwrap();
    let dataset = Dataset::synthetic(N);
    assert_eq!(bytes(&dataset), bytes(&Dataset::synthetic(N)));
    assert_ne!(bytes(&dataset), bytes(&Dataset::synthetic(N - 1)));

    let server = FakeServer::start(dataset);
    let data = post(
        &server.url(),
        &format!("{{ launches {{ {LAUNCH_FIELDS} }} missions {{ id }} rockets {{ id }} }}"),
    )
    .data();
    let launches = data["launches"].as_array().unwrap();
    assert_eq!(launches.len(), N);
    assert_eq!(
        ids(&data["launches"])
            .into_iter()
            .collect::<HashSet<_>>()
            .len(),
        N
    );
    assert_eq!(
        ids(&data["rockets"]),
        ["falcon1", "falcon9", "falconheavy", "starship"]
    );
    assert_eq!(
        post(&server.url(), "{ launchesUpcoming { id } }").data()["launchesUpcoming"]
            .as_array()
            .unwrap()
            .len(),
        N / 10
    );

    let mut urls = HashSet::new();
    for (i, launch) in launches.iter().enumerate() {
        let links = launch["links"].as_object().unwrap();
        let flickr = links["flickr_images"].as_array().unwrap();
        assert_eq!(flickr.len(), i % 4);
        for value in links
            .values()
            .flat_map(|v| v.as_array().cloned().unwrap_or_else(|| vec![v.clone()]))
        {
            assert!(
                urls.insert(value.as_str().unwrap().to_owned()),
                "URL repeated: {value}"
            );
        }
        let total: usize = publications(&launch["links"], &LAUNCH_KINDS).iter().sum();
        assert_eq!(total, 8 + i % 4);
    }
    let missions: HashSet<String> = ids(&data["missions"]).into_iter().collect();
    let referenced: HashSet<&str> = launches
        .iter()
        .flat_map(|l| l["mission_id"].as_array().unwrap())
        .map(|m| m.as_str().unwrap())
        .collect();
    assert!(!referenced.is_empty() && referenced.iter().all(|m| missions.contains(*m)));
}
