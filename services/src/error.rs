//! The services' one error type, and the one place where errors become gRPC status codes.

use lianban_orchestrator::{CalendarError, CatalogueError, EngineError};
use thiserror::Error;
use tonic::{Code, Status};

use crate::store::StoreError;

/// Everything that can go wrong in the services.
#[derive(Debug, Error)]
pub enum Error {
    /// The engine refused a command.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The catalogue could not be loaded.
    #[error(transparent)]
    Catalogue(#[from] CatalogueError),
    /// The calendar could not be loaded.
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A request field is malformed before it reaches the engine.
    #[error("{field}: {message}")]
    InvalidArgument {
        /// Path of the field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Something asked for does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind.
        entity: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The idempotency key was used before for a different request.
    #[error("idempotency_key {key:?} was already used for a different request")]
    KeyReused {
        /// The key.
        key: String,
    },
    /// The admin RPC was asked to move a system clock.
    #[error("the server runs on the system clock; start it with clock = \"manual\" to move time")]
    ClockNotManual,
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The server could not start or serve.
    #[error("server: {0}")]
    Server(String),
}

impl Error {
    /// Shorthand for an invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Status {
        let code = match &error {
            Error::InvalidArgument { .. } | Error::Engine(EngineError::InvalidArgument { .. }) => {
                Code::InvalidArgument
            }
            Error::Engine(
                EngineError::InvalidTransition { .. }
                | EngineError::ClaimedByOther { .. }
                | EngineError::ClerkAway { .. }
                | EngineError::NotYet { .. },
            ) => Code::FailedPrecondition,
            Error::Engine(
                EngineError::WrongDepartment { .. }
                | EngineError::SamePerson { .. }
                | EngineError::NotLead { .. }
                | EngineError::NotInvited { .. },
            ) => Code::PermissionDenied,
            Error::NotFound { .. } | Error::Engine(EngineError::NotFound { .. }) => Code::NotFound,
            Error::KeyReused { .. } | Error::Store(StoreError::Duplicate { .. }) => {
                Code::AlreadyExists
            }
            Error::ClockNotManual => Code::FailedPrecondition,
            Error::Store(StoreError::Conflict(_) | StoreError::KeyTaken { .. }) => Code::Aborted,
            Error::Store(StoreError::Database(_)) => Code::Unavailable,
            Error::Store(_)
            | Error::Catalogue(_)
            | Error::Calendar(_)
            | Error::Config(_)
            | Error::Server(_) => Code::Internal,
        };
        if code == Code::Internal || code == Code::Unavailable {
            tracing::error!(error = %error, "request failed");
        }
        Status::new(code, error.to_string())
    }
}
