//! The connection pool and the schema migrations.
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{
    ConnectionManager, CustomizeConnection, ManageConnection, Pool, PooledConnection,
    R2D2Connection,
};
use diesel::result::DatabaseErrorKind;
use diesel::sql_types::BigInt;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::{Error, Result};

/// The SQL of `migrations/`, compiled into every binary.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// The names of the compiled-in migrations (e.g. `2026-11-22-000001_staging`), oldest first.
pub(crate) fn migration_names() -> Vec<String> {
    MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .expect("the compiled-in migrations are readable")
        .iter()
        .map(|migration| migration.name().to_string())
        .collect()
}

/// Advisory lock key taken while migrating, so two services starting at once take turns.
/// (An arbitrary constant: "greenadam migrate" in hex-ish.)
const MIGRATION_LOCK_KEY: i64 = 0x6772_6d69_6772;

/// A pooled connection.
pub type PgPooled = PooledConnection<PoolManager>;

/// The pool's connection manager: diesel's, without a liveness query on every checkout.
///
/// r2d2's usual guard (`test_on_check_out` with diesel's manager) sends `SELECT 1` before each
/// checkout: a round trip per use, a good part of what an idle timer tick cost. Here a
/// connection is not tested before use. A connection whose statement finds the server gone
/// (restarted, backend terminated, network cut) fails that statement and is dropped when it
/// goes back to the pool (diesel marks it broken, libpq no longer knowing its transaction
/// status; its [`LostWatch`] says so too). A restart kills every pooled connection at once, so
/// after one was found dead the next checkouts, as many as the pool holds, are tested the old
/// way: a restart fails one statement (one timer tick), not one per pooled connection.
#[derive(Debug)]
pub struct PoolManager {
    inner: ConnectionManager<PgConnection>,
    /// The pool's size: how many checkouts to test after a connection was found dead.
    pool_size: u32,
    /// Checkouts still to be tested before use.
    to_test: AtomicU32,
}

impl ManageConnection for PoolManager {
    type Connection = PgConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> std::result::Result<PgConnection, Self::Error> {
        let mut conn = self.inner.connect()?;
        conn.set_instrumentation(LostWatch::default());
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut PgConnection) -> std::result::Result<(), Self::Error> {
        let test = self
            .to_test
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if test {
            conn.ping().map_err(diesel::r2d2::Error::QueryError)
        } else {
            Ok(())
        }
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        let lost = conn
            .instrumentation()
            .downcast_ref::<LostWatch>()
            .is_some_and(|watch| watch.lost);
        if lost {
            self.to_test.store(self.pool_size, Ordering::SeqCst);
        }
        lost || self.inner.has_broken(conn)
    }
}

/// Watches a pooled connection's statements and remembers when one failed because the
/// connection to the server is gone (server restarted, backend terminated, network cut).
#[derive(Debug, Default)]
struct LostWatch {
    lost: bool,
}

impl Instrumentation for LostWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery {
            error: Some(diesel::result::Error::DatabaseError(kind, _)),
            ..
        } = event
        {
            if matches!(
                kind,
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand
            ) {
                self.lost = true;
            }
        }
    }
}

/// How to reach the database.
#[derive(Clone)]
pub struct DatabaseSettings {
    /// libpq URL (may hold a password: never log it as is).
    pub url: String,
    /// Maximum open connections.
    pub pool_size: u32,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Role every pooled connection switches to (`SET ROLE`) before doing any work, e.g.
    /// `greenadam_extractor`; `None` works as the login user. Migrations always run as the
    /// login user.
    pub role: Option<String>,
}

/// Runs `SET ROLE` on every new pooled connection.
#[derive(Debug)]
struct SetRole(String);

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for SetRole {
    fn on_acquire(&self, conn: &mut PgConnection) -> std::result::Result<(), diesel::r2d2::Error> {
        set_role(conn, Some(&self.0)).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// `SET ROLE name` (`RESET ROLE` for `None`), with the name quoted as an identifier.
fn set_role(conn: &mut PgConnection, role: Option<&str>) -> QueryResult<()> {
    let sql = match role {
        Some(role) => format!("SET ROLE \"{}\"", role.replace('"', "\"\"")),
        None => "RESET ROLE".to_string(),
    };
    conn.batch_execute(&sql)
}

/// The database: a small r2d2 pool.
#[derive(Clone)]
pub struct Database {
    pool: Pool<PoolManager>,
    role: Option<String>,
}

impl Database {
    /// Sets up the pool without connecting (the database may not be up yet: see [`ping`](Self::ping)).
    pub fn new(settings: &DatabaseSettings) -> Result<Database> {
        let mut builder = Pool::builder();
        if let Some(role) = &settings.role {
            builder = builder.connection_customizer(Box::new(SetRole(role.clone())));
        }
        let pool = builder
            .max_size(settings.pool_size)
            .min_idle(Some(0))
            .connection_timeout(settings.connect_timeout)
            // Asks the manager before every checkout: it tests only after a loss.
            .test_on_check_out(true)
            // r2d2 logs every failed connect at ERROR; the service logs its own line instead.
            .error_handler(Box::new(diesel::r2d2::NopErrorHandler))
            .build_unchecked(PoolManager {
                inner: ConnectionManager::new(&settings.url),
                pool_size: settings.pool_size,
                to_test: AtomicU32::new(0),
            });
        Ok(Database {
            pool,
            role: settings.role.clone(),
        })
    }

    /// A connection from the pool.
    pub fn connection(&self) -> Result<PgPooled> {
        Ok(self.pool.get()?)
    }

    /// Succeeds when Postgres answers a trivial query.
    pub fn ping(&self) -> Result<()> {
        let mut conn = self.connection()?;
        diesel::sql_query("SELECT 1").execute(&mut conn)?;
        Ok(())
    }

    /// Applies pending migrations; returns the versions applied. Safe to call from several
    /// processes at once.
    pub fn run_migrations(&self) -> Result<Vec<String>> {
        let mut conn = self.connection()?;
        // Migrations need the login user's rights (they create schemas and grant).
        set_role(&mut conn, None)?;
        diesel::sql_query("SELECT pg_advisory_lock($1)")
            .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
            .execute(&mut conn)?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map(|versions| versions.iter().map(|v| v.to_string()).collect::<Vec<_>>())
            .map_err(|e| Error::Migration(e.to_string()));
        let unlocked = diesel::sql_query("SELECT pg_advisory_unlock($1)")
            .bind::<BigInt, _>(MIGRATION_LOCK_KEY)
            .execute(&mut conn);
        let restored = set_role(&mut conn, self.role.as_deref());
        let applied = applied?;
        unlocked?;
        restored?;
        if !applied.is_empty() {
            log::info!("Applied migrations: {}.", applied.join(", "));
        }
        Ok(applied)
    }
}
