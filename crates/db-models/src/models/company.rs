//! `staging.company`.
use diesel::prelude::*;
use serde::Deserialize;

use crate::schema::staging::company;

/// The company, ready to be upserted.
#[derive(Debug, Clone, PartialEq, Insertable, Deserialize)]
#[diesel(table_name = company)]
#[serde(deny_unknown_fields)]
pub struct NewCompany {
    /// Always company: the API object has no id, the constant keeps the table in the same upsert scheme as the others.
    pub id: String,
    /// Company name.
    pub name: Option<String>,
    /// Founder.
    pub founder: Option<String>,
    /// Year founded.
    pub founded: Option<i32>,
    /// Head count.
    pub employees: Option<i32>,
    /// Vehicle count.
    pub vehicles: Option<i32>,
    /// Launch site count.
    pub launch_sites: Option<i32>,
    /// Test site count.
    pub test_sites: Option<i32>,
    /// Chief executive.
    pub ceo: Option<String>,
    /// Chief technology officer.
    pub cto: Option<String>,
    /// Chief operating officer.
    pub coo: Option<String>,
    /// Chief technology officer, propulsion.
    pub cto_propulsion: Option<String>,
    /// US dollars.
    pub valuation: Option<f64>,
    /// Free text.
    pub summary: Option<String>,
    /// headquarters.address.
    pub headquarters_address: Option<String>,
    /// headquarters.city.
    pub headquarters_city: Option<String>,
    /// headquarters.state.
    pub headquarters_state: Option<String>,
    /// links.website (as sent).
    pub links_website: Option<String>,
    /// links.flickr (as sent).
    pub links_flickr: Option<String>,
    /// links.twitter (as sent).
    pub links_twitter: Option<String>,
    /// links.elon_twitter (as sent).
    pub links_elon_twitter: Option<String>,
    /// The object exactly as the API sent it.
    pub raw: serde_json::Value,
    /// The extract_run that last inserted or changed this row.
    pub run_id: i64,
}
