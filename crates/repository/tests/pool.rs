//! The pool tests no connection before use (no `SELECT 1` per checkout): a connection the
//! server dropped shows up as one failed statement, and the pool must not hand it out again.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use repository::{Database, DatabaseSettings};
use test_kit::TestDb;

fn pool(url: String) -> Database {
    Database::new(&DatabaseSettings {
        url,
        pool_size: 2,
        connect_timeout: Duration::from_secs(10),
        role: None,
    })
    .unwrap()
}

#[test]
fn a_cut_connection_fails_one_statement_then_the_pool_replaces_every_dead_one() {
    let db = TestDb::new();
    let (proxy, url) = db.proxied();
    let database = pool(url);
    {
        // Both of the pool's connections open and idle.
        let _first = database.connection().unwrap();
        let _second = database.connection().unwrap();
    }
    database.ping().unwrap();

    // A restart: every open connection gone at once.
    proxy.cut();
    let error = database
        .ping()
        .expect_err("the dead connection is not tested before use");
    assert!(error.to_string().contains("query failed"), "{error}");

    // The one that failed was dropped, and the other dead one is tested before use: from
    // now on every statement works.
    for _ in 0..4 {
        database.ping().unwrap();
    }
    {
        let _first = database.connection().unwrap();
        let _second = database.connection().unwrap();
    }
    database.ping().unwrap();
}

#[test]
fn a_terminated_backend_is_replaced_after_its_one_failed_statement() {
    use diesel::prelude::*;
    let db = TestDb::new();
    let database = pool(db.url());
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let pid = || -> Pid {
        diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result(&mut database.connection().unwrap())
            .unwrap()
    };
    let before = pid().pid;
    let mut admin = PgConnection::establish(&db.url()).unwrap();
    diesel::sql_query(format!("SELECT pg_terminate_backend({before})"))
        .execute(&mut admin)
        .unwrap();

    assert!(database.ping().is_err(), "one statement finds it gone");
    let after = pid().pid;
    assert_ne!(after, before, "a new connection");
    assert_eq!(pid().pid, after, "kept: a healthy connection is reused");
}
