//! `marts.publication`, `marts.publication_by_object` and the latter's history.
use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::marts::{publication, publication_by_object, publication_by_object_history};

/// The publication kinds, as the marts' columns name them, in column order; a launch can have
/// the first six, missions and rockets `wikipedia` and the last two.
pub const PUBLICATION_KINDS: [&str; 8] = [
    "articles",
    "wikipedia",
    "presskits",
    "videos",
    "reddit",
    "photos",
    "websites",
    "twitter",
];

/// The counts of a row in the order of [`PUBLICATION_KINDS`].
macro_rules! kind_counts {
    ($row:ty) => {
        impl $row {
            /// The counts by kind, in the order of [`PUBLICATION_KINDS`].
            pub fn kind_counts(&self) -> [i64; 8] {
                [
                    self.articles,
                    self.wikipedia,
                    self.presskits,
                    self.videos,
                    self.reddit,
                    self.photos,
                    self.websites,
                    self.twitter,
                ]
            }
        }
    };
}
kind_counts!(Publication);
kind_counts!(PublicationByObject);

/// Publications of one entity (`launch`, `mission` or `rocket`). Serialises as the read API
/// answers it (`built_at` in RFC 3339).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = publication)]
pub struct Publication {
    /// `launch`, `mission` or `rocket`.
    pub entity: String,
    /// Objects of the entity in staging.
    pub objects: i64,
    /// Article links.
    pub articles: i64,
    /// Wikipedia pages.
    pub wikipedia: i64,
    /// Press kits.
    pub presskits: i64,
    /// Videos.
    pub videos: i64,
    /// Reddit threads.
    pub reddit: i64,
    /// Photos.
    pub photos: i64,
    /// Web sites.
    pub websites: i64,
    /// Twitter accounts.
    pub twitter: i64,
    /// Sum of the kinds.
    pub total: i64,
    /// Publication time of the build.
    pub built_at: DateTime<Utc>,
    /// The `marts.build_run` that published this row (and `publication_by_object` with it).
    pub build_id: i64,
}

/// Publications of one object. Serialises as the read API answers it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, QueryableByName, serde::Serialize)]
#[diesel(table_name = publication_by_object)]
pub struct PublicationByObject {
    /// `launch`, `mission` or `rocket`.
    pub entity: String,
    /// Upstream id.
    pub object_id: String,
    /// Name.
    pub name: Option<String>,
    /// Article links.
    pub articles: i64,
    /// Wikipedia pages.
    pub wikipedia: i64,
    /// Press kits.
    pub presskits: i64,
    /// Videos.
    pub videos: i64,
    /// Reddit threads.
    pub reddit: i64,
    /// Photos.
    pub photos: i64,
    /// Web sites.
    pub websites: i64,
    /// Twitter accounts.
    pub twitter: i64,
    /// Sum of the kinds.
    pub total: i64,
    /// Launches referencing a mission or rocket.
    pub launches: Option<i64>,
    /// Sum of those launches' totals.
    pub launch_publications: Option<i64>,
}

/// One version of an object's row in `marts.publication_by_object_history`: the row as a
/// build published it, and the builds that opened and closed it. Read by column name
/// (`QueryableByName`), so the row's columns are not listed again here.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, serde::Serialize)]
#[diesel(table_name = publication_by_object_history)]
pub struct PublicationByObjectVersion {
    /// The row's values in this version.
    #[diesel(embed)]
    #[serde(flatten)]
    pub values: PublicationByObject,
    /// When the build that opened this version was published.
    pub valid_from: DateTime<Utc>,
    /// When the build that closed it was published; `None`: the current version.
    pub valid_to: Option<DateTime<Utc>>,
    /// The build that opened it.
    pub build_id: i64,
    /// The build that closed it; `None`: the current version.
    pub closed_by_build_id: Option<i64>,
}
