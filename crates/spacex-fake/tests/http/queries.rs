//! GraphQL behaviour: projection, paging, filtering, errors, counters, data swaps.

use serde_json::{json, Value};
use spacex_fake::{Dataset, FakeServer, Fault, FaultRule};

use crate::helpers::{ids, post, post_vars};

fn current() -> FakeServer {
    FakeServer::start(Dataset::fixture("current").unwrap())
}

#[test]
fn answers_only_the_selected_fields_in_selection_order() {
    let server = current();
    let answer = post(
        &server.url(),
        "{ launches(limit: 1) { mission_name id links { flickr_images wikipedia } \
           rocket { rocket { name } } no_such_field } }",
    );
    assert_eq!(
        answer.text(),
        r#"{"data":{"launches":[{"mission_name":"FalconSat","id":"60a1c3e5f7b9d2e4a6c8e0f1","links":{"flickr_images":[],"wikipedia":"https://en.wikipedia.org/wiki/FalconSAT"},"rocket":{"rocket":{"name":"Falcon 1"}},"no_such_field":null}]}}"#
    );
    assert_eq!(answer.headers["content-type"], "application/json");
}

#[test]
fn serves_several_root_fields_aliases_fragments_and_typename() {
    let server = current();
    let data = post(
        &server.url(),
        "query Q { __typename
                   first: rockets(limit: 1) { name }
                   rockets(offset: 3) { __typename ...R }
                   missions { id } }
         fragment R on Rocket { name ... on Rocket { active } }",
    )
    .data();
    assert_eq!(
        data,
        json!({
            "__typename": "Query",
            "first": [{"name": "Falcon 1"}],
            "rockets": [{"__typename": "Rocket", "name": "Starship", "active": false}],
            "missions": [],
        })
    );
}

#[test]
fn pages_with_limit_and_offset_literals_or_variables() {
    let server = current();
    let all = ids(&post(&server.url(), "{ launches { id } }").data()["launches"]);
    assert_eq!(all.len(), 8);
    let page = |limit: Value, offset: Value| {
        let query = "query($l: Int, $o: Int) { launches(limit: $l, offset: $o) { id } }";
        ids(&post_vars(&server.url(), query, json!({"l": limit, "o": offset})).data()["launches"])
    };
    assert_eq!(page(json!(3), json!(2)), all[2..5]);
    assert_eq!(page(json!(0), json!(5)), all[5..], "limit 0 means all");
    assert_eq!(page(Value::Null, Value::Null), all);
    assert!(page(json!(2), json!(100)).is_empty());
    let literal = post(
        &server.url(),
        "{ launches(limit: 2, offset: 6, sort: \"x\", order: \"desc\") { id } }",
    );
    assert_eq!(ids(&literal.data()["launches"]), all[6..]);
}

#[test]
fn splits_past_and_upcoming_launches() {
    let server = current();
    let data = post(
        &server.url(),
        "{ launchesPast { upcoming } launchesUpcoming(limit: 1) { mission_name upcoming } }",
    )
    .data();
    let past = data["launchesPast"].as_array().unwrap();
    assert_eq!(past.len(), 6);
    assert!(past.iter().all(|l| l["upcoming"] == false));
    assert_eq!(
        data["launchesUpcoming"],
        json!([{"mission_name": "SWOT", "upcoming": true}])
    );
}

#[test]
fn looks_up_single_records_and_objects_and_new_collections() {
    let mut dataset = Dataset::fixture("original").unwrap();
    *dataset.collection_mut("ships") = vec![json!({"id": "GOMSTREE", "name": "GO Ms Tree"})];
    dataset.set_object("company", json!({"name": "SpaceX", "founded": 2002}));
    let server = FakeServer::start(dataset);
    let data = post(
        &server.url(),
        "{ launch(id: \"110\") { mission_name } rocket(id: \"falcon9\") { name } \
           mission(id: \"nope\") { name } ships { name } company { founded } }",
    )
    .data();
    assert_eq!(
        data,
        json!({
            "launch": {"mission_name": "CRS-21"},
            "rocket": {"name": "Falcon 9"},
            "mission": null,
            "ships": [{"name": "GO Ms Tree"}],
            "company": {"founded": 2002},
        })
    );
}

#[test]
fn refuses_unknown_root_fields_like_apollo() {
    let server = current();
    let answer = post(&server.url(), "{ launches { id } starships { id } }");
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["data"], Value::Null);
    assert_eq!(
        answer.json()["errors"][0]["message"],
        "Cannot query field \"starships\" on type \"Query\"."
    );
    let syntax = post(&server.url(), "{ launches { id }");
    assert_eq!(syntax.status, 400);
    assert_eq!(
        syntax.json()["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );
}

#[test]
fn serves_graphql_path_and_refuses_other_routes() {
    let server = current();
    let graphql = format!("{}graphql", server.url());
    assert_eq!(
        post(&graphql, "{ rockets { id } }").data()["rockets"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let agent = crate::helpers::agent(std::time::Duration::from_secs(5));
    assert_eq!(agent.get(&server.url()).call().unwrap().status(), 405);
    let other = format!("{}other", server.url());
    assert_eq!(agent.post(&other).send("{}").unwrap().status(), 404);
    assert_eq!(server.request_count(), 1, "only GraphQL POSTs count");
}

#[test]
fn counts_requests_per_root_field() {
    let server = current();
    post(&server.url(), "{ launches { id } r: rockets { id } }");
    post(&server.url(), "{ launches { id } }");
    post(&server.url(), "{ nope }");
    assert_eq!(server.request_count(), 3);
    assert_eq!(server.requests_for("launches"), 2);
    assert_eq!(server.requests_for("rockets"), 1);
    assert_eq!(server.requests_for("r"), 0, "aliases are not field names");
    assert_eq!(server.requests_for("nope"), 1);
}

#[test]
fn swaps_data_at_run_time() {
    let server = FakeServer::start(Dataset::fixture("original").unwrap());
    let before = ids(&post(&server.url(), "{ launches { id } }").data()["launches"]);
    assert_eq!(
        before,
        ["110", "110", "109", "108", "107", "103", "55", "1"]
    );
    let mut dataset = server.dataset();
    assert_eq!(dataset.remove("launches", "108"), 1);
    server.set_dataset(dataset);
    let after = ids(&post(&server.url(), "{ launches { id } }").data()["launches"]);
    assert_eq!(after, ["110", "110", "109", "107", "103", "55", "1"]);
}

#[test]
fn answers_a_repeated_request_from_memory_with_counts_and_faults_intact() {
    let server = current();
    let query = "{ launches(limit: 2) { id mission_name } }";
    let first = post(&server.url(), query);
    let again = post(&server.url(), query);
    assert_eq!((first.status, again.status), (200, 200));
    assert_eq!(again.body, first.body);
    let refused = [
        post(&server.url(), "{ nope }"),
        post(&server.url(), "{ nope }"),
    ];
    assert_eq!(refused.map(|answer| answer.status), [400, 400]);
    assert_eq!(server.requests_for("launches"), 2);
    assert_eq!(server.requests_for("nope"), 2);

    server.inject(FaultRule::on("launches", Fault::WrongType));
    let faulted = post(&server.url(), query).data();
    assert_eq!(faulted["launches"][0]["id"], json!({"unexpected": true}));
    assert_eq!(post(&server.url(), query).body, first.body);
    assert_eq!(server.request_count(), 6);
}
