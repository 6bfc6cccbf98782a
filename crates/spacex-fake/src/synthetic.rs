//! A generated dataset of any size, for volume tests and demos.
//!
//! Everything is derived from the launch index, so the same size always gives the same bytes,
//! and every link field holds a URL of its own so that publication counts are easy to predict:
//! launch `i` (0-based) has 8 + `i % 4` publications (article, wikipedia, presskit, video, four
//! reddit threads and `i % 4` photos), each mission 3, each rocket 1.

use chrono::{DateTime, FixedOffset};
use serde_json::{json, Value};

use crate::Dataset;

/// First launch date (2006-03-24T22:30:00Z); launches then follow every two days.
const FIRST_LAUNCH_UNIX: i64 = 1_143_239_400;
const LAUNCH_SPACING_SECS: i64 = 2 * 24 * 3600;

/// (id, name, active, country, first flight, cost per launch, success rate %).
const ROCKETS: [(&str, &str, bool, &str, &str, u64, u64); 4] = [
    (
        "falcon1",
        "Falcon 1",
        false,
        "Republic of the Marshall Islands",
        "2006-03-24",
        6_700_000,
        40,
    ),
    (
        "falcon9",
        "Falcon 9",
        true,
        "United States",
        "2010-06-04",
        50_000_000,
        98,
    ),
    (
        "falconheavy",
        "Falcon Heavy",
        true,
        "United States",
        "2018-02-06",
        90_000_000,
        100,
    ),
    (
        "starship",
        "Starship",
        true,
        "United States",
        "2023-04-20",
        7_000_000,
        0,
    ),
];

impl Dataset {
    /// A deterministic dataset with `launches` launches (unique 24-hex string ids, the last
    /// tenth upcoming), one mission per ten launches (referenced by two launches in three), and
    /// the four rockets `falcon1`, `falcon9`, `falconheavy` and `starship`.
    pub fn synthetic(launches: usize) -> Self {
        let missions: Vec<Value> = (0..launches.div_ceil(10)).map(mission).collect();
        let mut dataset = Self::new();
        *dataset.collection_mut("launches") = (0..launches)
            .map(|i| launch(i, launches, &missions))
            .collect();
        *dataset.collection_mut("missions") = missions;
        *dataset.collection_mut("rockets") = ROCKETS.iter().map(rocket).collect();
        dataset
    }
}

fn mission(j: usize) -> Value {
    json!({
        "id": format!("SYN{j:04X}"),
        "name": format!("Synthetic Mission {j}"),
        "description": format!("Generated mission number {j}."),
        "manufacturers": ["SpaceX"],
        "wikipedia": format!("https://en.wikipedia.org/wiki/Synthetic_Mission_{j}"),
        "website": format!("https://missions.example.com/{j}/"),
        "twitter": format!("https://twitter.com/synthetic_mission_{j}"),
    })
}

fn rocket(row: &(&str, &str, bool, &str, &str, u64, u64)) -> Value {
    let (id, name, active, country, first_flight, cost, success) = *row;
    json!({
        "id": id,
        "name": name,
        "type": "rocket",
        "active": active,
        "company": "SpaceX",
        "country": country,
        "description": format!("{name}, as generated for synthetic datasets."),
        "wikipedia": format!("https://en.wikipedia.org/wiki/{}", name.replace(' ', "_")),
        "first_flight": first_flight,
        "cost_per_launch": cost,
        "success_rate_pct": success,
    })
}

fn launch(i: usize, total: usize, missions: &[Value]) -> Value {
    let number = i + 1;
    let id = format!("5f{number:022x}");
    let upcoming = i >= total - total / 10;
    let (rocket_id, rocket_name, ..) = ROCKETS[match i % 20 {
        0 => 0,
        7 => 2,
        13 => 3,
        _ => 1,
    }];
    let mission_id: Vec<&Value> = match i % 3 {
        0 => vec![],
        _ => missions
            .get((i / 3) % missions.len())
            .map(|m| &m["id"])
            .into_iter()
            .collect(),
    };
    let unix = FIRST_LAUNCH_UNIX + LAUNCH_SPACING_SECS * i64::try_from(i).unwrap_or(i64::MAX / 2);
    let utc = DateTime::from_timestamp(unix, 0).unwrap_or_default();
    let local = utc.with_timezone(&FixedOffset::west_opt(4 * 3600).expect("4 h is a valid offset"));
    let base = format!("https://synthetic.example.com/launches/{id}");
    let reddit =
        |kind: &str| format!("https://www.reddit.com/r/spacex/comments/syn{number}_{kind}/");
    json!({
        "id": id,
        "mission_name": format!("Synthetic {number}"),
        "mission_id": mission_id,
        "launch_date_utc": utc.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "launch_date_local": local.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        "launch_date_unix": unix,
        "launch_year": local.format("%Y").to_string(),
        "launch_success": if upcoming { Value::Null } else { json!(i % 17 != 5) },
        "upcoming": upcoming,
        "details": if i % 7 == 0 { Value::Null } else { json!(format!("Synthetic launch number {number}.")) },
        "rocket": {
            "rocket_name": rocket_name,
            "rocket_type": "rocket",
            "rocket": { "id": rocket_id, "name": rocket_name },
        },
        "links": {
            "article_link": format!("{base}/article"),
            "wikipedia": format!("https://en.wikipedia.org/wiki/Synthetic_launch_{number}"),
            "presskit": format!("{base}/presskit.pdf"),
            "video_link": format!("https://www.youtube.com/watch?v=syn{number:08}"),
            "reddit_campaign": reddit("campaign"),
            "reddit_launch": reddit("launch"),
            "reddit_media": reddit("media"),
            "reddit_recovery": reddit("recovery"),
            "flickr_images": (0..i % 4)
                .map(|k| format!("https://live.staticflickr.com/synthetic/{id}_{k}.jpg"))
                .collect::<Vec<_>>(),
            "mission_patch": format!("{base}/patch.png"),
            "mission_patch_small": format!("{base}/patch_small.png"),
        },
    })
}
