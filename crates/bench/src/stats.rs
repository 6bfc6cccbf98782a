//! What the server says a run wrote: rows inserted, updated or deleted per kind of table
//! (`pg_stat_user_tables`) and WAL bytes (`pg_current_wal_lsn`), read before and after.
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use serde::{Deserialize, Serialize};

/// The tables that record runs rather than hold data: a run writes them even when the data
/// stays as it is.
const BOOKKEEPING: [&str; 4] = [
    "staging.extract_run",
    "staging.extract_run_entity",
    "staging.extract_run_reference",
    "marts.build_run",
];

/// Writes counted by the server, cumulative or as a difference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Writes {
    /// Rows inserted, updated or deleted in the data tables of `staging` and `marts`.
    pub data_rows: i64,
    /// The same in the run tables ([`BOOKKEEPING`]).
    pub bookkeeping_rows: i64,
    /// WAL written by the whole cluster, in bytes (row locks and index entries included).
    pub wal_bytes: i64,
}

impl Writes {
    /// What was written after `earlier` was read.
    pub fn since(self, earlier: Writes) -> Writes {
        Writes {
            data_rows: self.data_rows - earlier.data_rows,
            bookkeeping_rows: self.bookkeeping_rows - earlier.bookkeeping_rows,
            wal_bytes: self.wal_bytes - earlier.wal_bytes,
        }
    }
}

#[derive(QueryableByName)]
struct Counters {
    #[diesel(sql_type = BigInt)]
    data_rows: i64,
    #[diesel(sql_type = BigInt)]
    bookkeeping_rows: i64,
    #[diesel(sql_type = BigInt)]
    wal_bytes: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The counters now, once the server has taken in the statistics of every other session of
/// this database: a session reports them when it ends, which comes after the client is gone,
/// so this waits for the other sessions to end and then for the counters to stop moving.
pub fn settled(conn: &mut PgConnection) -> anyhow::Result<Writes> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let others: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .get_result(conn)?;
        if others.n == 0 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut last = read(conn)?;
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let now = read(conn)?;
        if now == last || Instant::now() > deadline {
            return Ok(now);
        }
        last = now;
    }
}

fn read(conn: &mut PgConnection) -> anyhow::Result<Writes> {
    let counters: Counters = diesel::sql_query(
        "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del)
                             FILTER (WHERE NOT schemaname || '.' || relname = ANY($1)), 0)::bigint
                    AS data_rows,
                coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del)
                             FILTER (WHERE schemaname || '.' || relname = ANY($1)), 0)::bigint
                    AS bookkeeping_rows,
                pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS wal_bytes
         FROM pg_stat_user_tables
         WHERE schemaname IN ('staging', 'marts')",
    )
    .bind::<Array<Text>, _>(&BOOKKEEPING[..])
    .get_result(conn)?;
    Ok(Writes {
        data_rows: counters.data_rows,
        bookkeeping_rows: counters.bookkeeping_rows,
        wal_bytes: counters.wal_bytes,
    })
}
