//! What the martmaker's dashboard (`GET /`) reads: the marts from one snapshot in a handful of
//! statements on the reader's role ([`overview`]), top-N lists only, never every object; and
//! the article and Wikipedia links of the launches it lists ([`launch_links`], from staging).
use diesel::prelude::*;

use db_models::entity::Entity;
use db_models::models::{BuildRun, Publication, PublicationByObject};
use db_models::schema::marts::{build_run, publication_by_object};
use db_models::schema::staging::launch_link;

use crate::marts::{self, BuildChecks, PUBLICATION_MART};
use crate::Result;

/// The published marts as the dashboard shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// `marts.publication`, by entity (empty before the first build).
    pub publication: Vec<Publication>,
    /// The build the marts come from (the one `marts.publication.build_id` names).
    pub published: Option<BuildRun>,
    /// The last build attempted, when it is not the published one (it failed, or runs now).
    pub later_attempt: Option<BuildRun>,
    /// The data-quality checks of the latest finished build (the published one, or a later
    /// one they rolled back).
    pub checks: Option<BuildChecks>,
    /// The launches with the most publications, most first.
    pub launches: Vec<PublicationByObject>,
    /// The missions with the most publications, their own and their launches' together.
    pub missions: Vec<PublicationByObject>,
    /// The same for rockets.
    pub rockets: Vec<PublicationByObject>,
}

/// Reads [`Overview`] with at most `top` objects per entity, from one read-only snapshot so
/// that every number on the page comes from the same build. The reader's role may read it
/// all; the lists are top-N sorts over one entity's rows (about 10 ms per 10^5 launches).
pub fn overview(conn: &mut PgConnection, top: i64) -> Result<Overview> {
    crate::read::snapshot(conn, |conn| {
        let publication = marts::publication(conn)?;
        // The build the rows name (marts.publication.build_id), and the last one attempted.
        let builds = build_run::table
            .filter(build_run::mart.eq(PUBLICATION_MART))
            .select(BuildRun::as_select());
        let published = match publication.first() {
            Some(row) => Some(builds.filter(build_run::id.eq(row.build_id)).first(conn)?),
            None => None,
        };
        let latest = builds.order(build_run::id.desc()).first(conn).optional()?;
        let later_attempt =
            latest.filter(|l: &BuildRun| published.as_ref().is_none_or(|p| l.id > p.id));
        Ok(Overview {
            publication,
            published,
            later_attempt,
            checks: marts::latest_checks(conn)?,
            launches: top_objects(conn, Entity::Launch, "total", top)?,
            missions: top_objects(conn, Entity::Mission, WITH_LAUNCHES, top)?,
            rockets: top_objects(conn, Entity::Rocket, WITH_LAUNCHES, top)?,
        })
    })
}

/// A mission's or rocket's own publications and its launches' together.
const WITH_LAUNCHES: &str = "total + coalesce(launch_publications, 0)";

/// The `top` rows of `entity` with the largest `measure` (an SQL expression from this module,
/// never from a request), ties by id.
fn top_objects(
    conn: &mut PgConnection,
    entity: Entity,
    measure: &str,
    top: i64,
) -> QueryResult<Vec<PublicationByObject>> {
    publication_by_object::table
        .filter(publication_by_object::entity.eq(entity))
        .select(PublicationByObject::as_select())
        .order(diesel::dsl::sql::<diesel::sql_types::Untyped>(&format!(
            "{measure} DESC, object_id ASC"
        )))
        .limit(top)
        .load(conn)
}

/// The link fields of a launch the dashboard links to.
pub const LINKED_FIELDS: [&str; 2] = ["wikipedia", "article_link"];

/// One link of a launch, verbatim from staging (the caller decides whether it may be a link).
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct LaunchLink {
    /// The launch.
    pub launch_id: String,
    /// `wikipedia` or `article_link`.
    pub field: String,
    /// The URL as the API sent it.
    pub url: String,
}

/// The [`LINKED_FIELDS`] of the launches `ids`, from `staging.launch_link` (read as of now,
/// not as of the build: the marts do not keep URLs). Needs a role that may read staging.
pub fn launch_links(conn: &mut PgConnection, ids: &[String]) -> Result<Vec<LaunchLink>> {
    Ok(launch_link::table
        .filter(launch_link::launch_id.eq_any(ids))
        .filter(launch_link::field.eq_any(LINKED_FIELDS))
        .filter(launch_link::position.eq(0))
        .select((launch_link::launch_id, launch_link::field, launch_link::url))
        .order((launch_link::launch_id, launch_link::field))
        .load(conn)?)
}
