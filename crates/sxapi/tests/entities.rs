//! The queries of every entity and relation (`records`) against the fake SpaceX API: each
//! decodes every record of the fixture sets, single objects come in one request, and the
//! current set's broken resolvers surface as errors of their own query only.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns: a panic is the failure report

use std::time::Duration;

use cancel::CancelToken;
use serde_json::Value;
use spacex_fake::{Dataset, FakeServer};
use sxapi::records::{
    CapsuleMissionsPage, CapsulesPage, CompanyQuery, CoreMissionsPage, CoresPage, DragonsPage,
    HistoriesPage, LandpadsPage, LaunchCoresPage, LaunchPayloadsPage, LaunchShipsPage,
    LaunchSitesPage, LaunchpadsPage, MissionPayloadsPage, PayloadsPage, RoadsterQuery,
    ShipMissionsPage, ShipsPage,
};
use sxapi::{Client, ClientSettings, Error, PagedQuery, RetryPolicy};

fn client(url: &str) -> Client {
    Client::new(ClientSettings {
        url: url.to_owned(),
        page_size: 2,
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        max_response_bytes: 8 * 1024 * 1024,
        retry: RetryPolicy {
            max_attempts: 2,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
        },
    })
}

/// Fetches `Q` and returns the raw records, checking the count against the fixture.
fn fetch_all<Q: PagedQuery>(client: &Client, dataset: &Dataset) -> Vec<Value> {
    let fetched = client.fetch::<Q>(&CancelToken::new()).unwrap();
    let stored = dataset.collection(Q::FIELD).unwrap().len();
    assert_eq!(fetched.records.len(), stored, "{}", Q::FIELD);
    assert_eq!(
        fetched.pages as usize,
        stored / 2 + 1,
        "{}: pages of 2",
        Q::FIELD
    );
    fetched.records.into_iter().map(|r| r.raw).collect()
}

#[test]
fn every_paged_query_decodes_every_record_of_the_original_set() {
    let dataset = Dataset::fixture("original").unwrap();
    let server = FakeServer::start(dataset.clone());
    let client = client(&server.url());
    fetch_all::<CapsulesPage>(&client, &dataset);
    fetch_all::<CoresPage>(&client, &dataset);
    fetch_all::<DragonsPage>(&client, &dataset);
    fetch_all::<HistoriesPage>(&client, &dataset);
    fetch_all::<LandpadsPage>(&client, &dataset);
    fetch_all::<LaunchpadsPage>(&client, &dataset);
    fetch_all::<PayloadsPage>(&client, &dataset);
    fetch_all::<ShipsPage>(&client, &dataset);
    fetch_all::<CapsuleMissionsPage>(&client, &dataset);
    fetch_all::<CoreMissionsPage>(&client, &dataset);
    fetch_all::<ShipMissionsPage>(&client, &dataset);
    fetch_all::<MissionPayloadsPage>(&client, &dataset);
    fetch_all::<LaunchShipsPage>(&client, &dataset);
    fetch_all::<LaunchSitesPage>(&client, &dataset);
    let payloads = fetch_all::<LaunchPayloadsPage>(&client, &dataset);
    // A relation query asks for the owner's id and the relation only.
    assert_eq!(
        payloads[0],
        serde_json::json!({"id": "110", "rocket": {"second_stage": {"payloads": [{"id": "CRS-21"}]}}})
    );
    let cores = fetch_all::<LaunchCoresPage>(&client, &dataset);
    assert_eq!(
        cores[0]["rocket"]["first_stage"]["cores"][0]["core"]["id"],
        "B1058"
    );
}

#[test]
fn single_objects_take_one_request_and_null_is_no_data() {
    let mut dataset = Dataset::fixture("original").unwrap();
    let server = FakeServer::start(dataset.clone());
    let client = client(&server.url());
    let company = client
        .fetch_one::<CompanyQuery>(&CancelToken::new())
        .unwrap();
    assert_eq!((company.records.len(), company.pages), (1, 1));
    assert_eq!(&company.records[0].raw, dataset.object("company").unwrap());
    assert_eq!(company.records[0].value.name.as_deref(), Some("SpaceX"));
    let roadster = client
        .fetch_one::<RoadsterQuery>(&CancelToken::new())
        .unwrap();
    assert_eq!(roadster.records[0].value.norad_id, Some(43205));
    assert_eq!(
        server.requests_for("company") + server.requests_for("roadster"),
        2
    );

    dataset.set_object("roadster", Value::Null);
    server.set_dataset(dataset);
    let error = client
        .fetch_one::<RoadsterQuery>(&CancelToken::new())
        .unwrap_err();
    assert!(matches!(error, Error::NoData("roadster")), "{error}");
}

#[test]
fn the_current_sets_broken_resolvers_fail_only_their_own_query() {
    let server = FakeServer::start(Dataset::fixture("current").unwrap());
    let client = client(&server.url());
    let cancel = CancelToken::new();
    let error = client.fetch::<PayloadsPage>(&cancel).unwrap_err();
    assert!(matches!(error, Error::GraphQl(_)), "{error}");
    let error = client.fetch::<LaunchShipsPage>(&cancel).unwrap_err();
    assert!(error.to_string().contains("status code 404"), "{error}");
    let error = client.fetch::<LaunchCoresPage>(&cancel).unwrap_err();
    assert!(error.to_string().contains("reading 'cores'"), "{error}");
    // Launches themselves still answer.
    assert_eq!(client.fetch_launches(&cancel).unwrap().records.len(), 8);
    // `launchpads` decodes (the types fit) but holds landpads: no launchpad name anywhere.
    let pads = client.fetch::<LaunchpadsPage>(&cancel).unwrap();
    assert_eq!(pads.records.len(), 3);
    assert!(pads.records.iter().all(|r| r.value.name.is_none()));
}
