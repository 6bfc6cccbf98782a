//! Errors of the database layer, and the bound on every error text the services store or log.

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// What can go wrong talking to Postgres. Displayed on one line: libpq's messages span
/// several (`…failed: Connection refused\n\tIs the server running…`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No connection could be had from the pool (database down, wrong credentials, timeout).
    #[error("cannot get a database connection: {}", one_line(&.0.to_string()))]
    Pool(#[from] r2d2::Error),
    /// A statement failed.
    #[error("database query failed: {}", one_line(&.0.to_string()))]
    Query(#[from] diesel::result::Error),
    /// A migration failed.
    #[error("migration failed: {}", one_line(.0))]
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

/// The longest error text stored (`extract_run.error`, `extract_run_entity.error`,
/// `build_run.error`) or logged, in characters: a line that fits a screen or two.
pub const MAX_ERROR_CHARS: usize = 1_000;

/// `text` on one line (every run of whitespace, line breaks included, becomes one space) and
/// at most [`MAX_ERROR_CHARS`] characters, the cut marked with `…`.
pub fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().nth(MAX_ERROR_CHARS).is_none() {
        return line;
    }
    let cut: String = line.chars().take(MAX_ERROR_CHARS - 1).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_is_one_bounded_line() {
        assert_eq!(
            one_line("connection failed: refused\n\tIs the server running?\n"),
            "connection failed: refused Is the server running?"
        );
        let long = "é".repeat(5_000);
        let bounded = one_line(&long);
        assert_eq!(bounded.chars().count(), MAX_ERROR_CHARS);
        assert!(bounded.ends_with('…'));
        let fits = "x".repeat(MAX_ERROR_CHARS);
        assert_eq!(one_line(&fits), fits);
    }
}
