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
    #[error("{what} {id:?} not found")]
    NotFound { what: &'static str, id: String },
    #[error("store: {0}")]
    Store(#[from] rusqlite::Error),
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

    /// True when the caller sent something wrong, false when the fault is ours.
    pub fn is_user_error(&self) -> bool {
        matches!(
            self,
            Error::Invalid(_) | Error::Import { .. } | Error::NotFound { .. }
        )
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Error {
        Error::Invalid(e)
    }
}
