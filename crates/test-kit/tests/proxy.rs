//! The proxy passes traffic, refuses while down, and cuts open connections.
use diesel::{Connection, PgConnection, RunQueryDsl};
use test_kit::TestDb;

fn ping(conn: &mut PgConnection) -> bool {
    diesel::sql_query("SELECT 1").execute(conn).is_ok()
}

#[test]
fn proxy_passes_refuses_and_cuts() {
    let db = TestDb::new();
    let (proxy, url) = db.proxied();
    let mut conn = PgConnection::establish(&url).expect("connects through the proxy");
    assert!(ping(&mut conn));

    proxy.cut();
    assert!(!ping(&mut conn), "a cut connection fails");

    proxy.set_down(true);
    assert!(
        PgConnection::establish(&url).is_err(),
        "no connection while down"
    );
    proxy.set_down(false);
    let mut again = PgConnection::establish(&url).expect("up again");
    assert!(ping(&mut again));
}
