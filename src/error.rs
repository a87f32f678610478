//! The crate's one error type. Each variant says whose fault it is: `Invalid`, `Import` and
//! `NotFound` are the caller's (the API maps them to 4xx, the CLI to a message and exit code
//! 2); everything else is ours or the machine's (5xx, exit code 1).

use crate::model::FieldError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request or record failed validation; names the field.
    #[error("{0}")]
    Invalid(FieldError),
    /// A line of an import failed; nothing of that import was kept.
    #[error("{file}:{line}: {field}: {message}")]
    Import {
        file: String,
        line: u64,
        field: String,
        message: String,
    },
    /// Rows of an import were bad (every one, up to [`MAX_ROW_ERRORS`]; `more` counts the
    /// rest); nothing of that import was kept.
    #[error("{}", rows_text(rows, *more))]
    Rows { rows: Vec<RowError>, more: u64 },
    #[error("{what} {id:?} not found")]
    NotFound { what: &'static str, id: String },
    /// The request conflicts with what is stored (a deleted business's id, say); names the
    /// field.
    #[error("{0}")]
    Conflict(FieldError),
    #[error("store: {0}")]
    Store(#[from] rusqlite::Error),
    #[error("store (PostgreSQL): {0}")]
    Postgres(#[from] postgres::Error),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("reference data: {0}")]
    Reference(#[from] crate::reference::ReferenceError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("corrupt record in the store: {0}")]
    Corrupt(String),
    /// A write could not start before its deadline (another write held the store, an import
    /// say); nothing was written, and retrying is safe.
    #[error("{0}")]
    Busy(String),
    /// A write to something opened read-only (the CLI's reading commands beside a server),
    /// or a read-only open that cannot be served; says what to do instead.
    #[error("{0}")]
    ReadOnly(String),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Invalid(FieldError::new(field, message))
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// True when another process (a running server) holds the data directory's search index.
    pub fn is_held_by_another_process(&self) -> bool {
        matches!(self, Error::Index(tantivy::TantivyError::LockFailure(..)))
    }

    /// True when the store could not do it now but a retry may succeed: SQLite busy or
    /// locked, PostgreSQL's serialization failures, deadlocks, lock timeouts, too many
    /// connections, a server starting or shutting down, a lost connection. The API answers
    /// these 503 with `Retry-After`, like [`Error::Busy`].
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Busy(_) => true,
            Error::Store(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
            ),
            Error::Postgres(e) => {
                use postgres::error::SqlState;
                match e.code() {
                    Some(code) => [
                        SqlState::T_R_SERIALIZATION_FAILURE,
                        SqlState::T_R_DEADLOCK_DETECTED,
                        SqlState::LOCK_NOT_AVAILABLE,
                        SqlState::TOO_MANY_CONNECTIONS,
                        SqlState::CANNOT_CONNECT_NOW,
                        SqlState::ADMIN_SHUTDOWN,
                        SqlState::CRASH_SHUTDOWN,
                        SqlState::QUERY_CANCELED,
                    ]
                    .contains(code),
                    // No SQL state: the connection failed or was closed.
                    None => {
                        e.is_closed()
                            || std::error::Error::source(e)
                                .is_some_and(|s| s.is::<std::io::Error>())
                    }
                }
            }
            _ => false,
        }
    }

    /// True when the caller sent something wrong, false when the fault is ours.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_)
                | Error::Import { .. }
                | Error::Rows { .. }
                | Error::NotFound { .. }
                | Error::Conflict(_)
        )
    }
}

/// The most bad rows one answer lists; the rest are counted.
pub const MAX_ROW_ERRORS: usize = 200;

/// One bad row (or line) of an import: where, which column, what is wrong and what would
/// be accepted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// The file's name (`body` for an HTTP import).
    pub file: String,
    /// The row (line) number as the user sees it (the header is row 1 of a spreadsheet);
    /// 0 when the whole file is unreadable.
    pub row: u64,
    /// The column's header as written in the file, a JSON path for JSONL, `-` for the
    /// whole row.
    pub column: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.row, self.column, self.message
        )
    }
}

fn rows_text(rows: &[RowError], more: u64) -> String {
    let mut out: Vec<String> = rows.iter().map(RowError::to_string).collect();
    if more > 0 {
        out.push(format!("… and {more} more bad rows"));
    }
    out.join("\n")
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Error {
        Error::Invalid(e)
    }
}
