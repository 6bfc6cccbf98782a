//! The connection pool and the schema migrations.
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::sql_types::BigInt;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::{Error, Result};

/// The SQL of `migrations/`, compiled into every binary.
const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// Advisory lock key taken while migrating, so two services starting at once take turns.
/// (An arbitrary constant: "greenadam migrate" in hex-ish.)
const MIGRATION_LOCK_KEY: i64 = 0x6772_6d69_6772;

/// A pooled connection.
pub type PgPooled = PooledConnection<ConnectionManager<PgConnection>>;

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
    pool: Pool<ConnectionManager<PgConnection>>,
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
            .test_on_check_out(true)
            // r2d2 logs every failed connect at ERROR; the service logs its own line instead.
            .error_handler(Box::new(diesel::r2d2::NopErrorHandler))
            .build_unchecked(ConnectionManager::new(&settings.url));
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
