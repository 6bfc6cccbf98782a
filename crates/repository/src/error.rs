//! Errors of the database layer.

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// What can go wrong talking to Postgres.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No connection could be had from the pool (database down, wrong credentials, timeout).
    #[error("cannot get a database connection: {0}")]
    Pool(#[from] r2d2::Error),
    /// A statement failed.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
}

impl Error {
    /// The database could not be reached: no connection from the pool, or the connection
    /// died under the statement (server stopped or restarted, backend killed, network cut).
    /// Worth a retry later, unlike a statement that failed.
    pub fn is_unreachable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error as Diesel};
        match self {
            Error::Pool(_) => true,
            Error::Query(Diesel::DatabaseError(kind, _)) => matches!(
                kind,
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand
            ),
            _ => false,
        }
    }
}
