//! A tiny GraphQL client over ureq, reading every status code and raw body.

use std::time::Duration;

use serde_json::{json, Value};
use ureq::http::HeaderMap;

/// An HTTP answer, whatever its status.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON; panics if it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `data` of a 200 answer without errors.
    pub fn data(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.text());
        let json = self.json();
        assert!(json.get("errors").is_none(), "{json}");
        json["data"].clone()
    }
}

pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// POSTs a raw JSON body.
pub fn try_post_body(agent: &ureq::Agent, url: &str, body: &Value) -> Result<Answer, ureq::Error> {
    let mut response = agent.post(url).send_json(body)?;
    let body = response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_vec()?;
    Ok(Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body,
    })
}

/// POSTs a query with variables.
pub fn post_vars(url: &str, query: &str, variables: Value) -> Answer {
    let body = json!({"query": query, "variables": variables});
    try_post_body(&agent(Duration::from_secs(10)), url, &body).unwrap()
}

/// POSTs a query.
pub fn post(url: &str, query: &str) -> Answer {
    post_vars(url, query, Value::Null)
}

/// The ids of a list of records.
pub fn ids(records: &Value) -> Vec<String> {
    records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}
