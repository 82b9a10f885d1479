//! The services' one error type, and the one place where errors become gRPC statuses.
//!
//! Every refusal carries the google.rpc error model: an `ErrorInfo` (domain [`DOMAIN`], reason
//! the name of a `lianban.v1.ErrorReason` value, metadata naming the field or entity), plus a
//! `BadRequest` field violation for `INVALID_ARGUMENT` and a `PreconditionFailure` (type = the
//! entity, subject = its id, description = the state that blocks) for `FAILED_PRECONDITION`.
//! Store and internal failures answer a generic message; their detail goes to the log only.

use std::collections::HashMap;

use lianban_orchestrator::{CalendarError, CatalogueError, EngineError};
use lianban_proto::v1::ErrorReason;
use thiserror::Error;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

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
    #[error("this idempotency_key was already used for a different request")]
    KeyReused {
        /// The key.
        key: String,
    },
    /// The admin RPC was asked to move a system clock.
    #[error("the server runs on the system clock; start it with clock = \"manual\" to move time")]
    ClockNotManual,
    /// A limit that protects the service was reached.
    #[error("{what}: at most {allowed} allowed (limits.{limit})")]
    LimitExceeded {
        /// The setting's name in `[limits]`.
        limit: &'static str,
        /// Its value.
        allowed: u64,
        /// What was refused, in words.
        what: &'static str,
    },
    /// The request's bytes are not a valid encoding of the method's request message.
    #[error("the request could not be decoded: {0}")]
    Undecodable(String),
    /// The caller proved no identity the server accepts.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// None of the caller's roles may call the method.
    #[error("{method} is not allowed to {principal} (allowed: {allowed})")]
    RoleNotAllowed {
        /// The method's path.
        method: String,
        /// The roles that may call it.
        allowed: String,
        /// Who asked.
        principal: String,
    },
    /// The caller may call the method, but not on what the request names.
    #[error("{field}: {message}")]
    OutOfScope {
        /// The field whose value is not the caller's to name.
        field: String,
        /// Why, without personal data.
        message: String,
        /// Who asked.
        principal: String,
    },
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

/// The `ErrorInfo` domain of every refusal.
pub const DOMAIN: &str = "lianban.v1";

/// The message of a store failure: the driver's text stays in the log.
pub const STORE_UNAVAILABLE_MESSAGE: &str = "the store is unavailable; try again";

/// The message of an internal failure: the detail stays in the log.
pub const INTERNAL_MESSAGE: &str =
    "the server failed to handle the request; the detail is in its log";

impl Error {
    /// The reason a client branches on: the one choice of reason for every variant.
    pub fn reason(&self) -> ErrorReason {
        match self {
            Error::InvalidArgument { .. } | Error::Engine(EngineError::InvalidArgument { .. }) => {
                ErrorReason::InvalidField
            }
            Error::Engine(EngineError::InvalidTransition { entity, .. }) => match *entity {
                "application" => ErrorReason::ApplicationState,
                "session" => ErrorReason::SessionState,
                "case" => ErrorReason::CaseState,
                "extension request" => ErrorReason::ExtensionDecided,
                _ => ErrorReason::BranchNotActionable,
            },
            Error::Engine(EngineError::ClaimedByOther { .. }) => ErrorReason::ClaimedByOther,
            Error::Engine(EngineError::ClerkAway { .. }) => ErrorReason::ClerkAway,
            Error::Engine(EngineError::NotYet { .. }) => ErrorReason::NotYet,
            Error::ClockNotManual => ErrorReason::ClockNotManual,
            Error::Engine(EngineError::WrongDepartment { .. }) => ErrorReason::NotOwner,
            Error::Engine(EngineError::SamePerson { .. }) => ErrorReason::SamePerson,
            Error::Engine(EngineError::NotLead { .. }) => ErrorReason::NotLead,
            Error::Engine(EngineError::NotInvited { .. }) => ErrorReason::NotInvited,
            Error::Engine(EngineError::NotResponsible { .. }) => ErrorReason::NotResponsible,
            Error::Engine(EngineError::CaseStepMissing { step, .. }) => match *step {
                "ruling" => ErrorReason::RulingRequired,
                _ => ErrorReason::CallBackRequired,
            },
            Error::NotFound { .. } | Error::Engine(EngineError::NotFound { .. }) => {
                ErrorReason::NotFound
            }
            Error::KeyReused { .. } => ErrorReason::KeyReused,
            Error::Store(StoreError::Duplicate { .. }) => ErrorReason::AlreadyRegistered,
            Error::Store(StoreError::Conflict(_) | StoreError::KeyTaken { .. }) => {
                ErrorReason::Conflict
            }
            Error::Store(StoreError::Database(_)) => ErrorReason::StoreUnavailable,
            Error::LimitExceeded { .. } => ErrorReason::LimitExceeded,
            Error::Undecodable(_) => ErrorReason::Undecodable,
            Error::Unauthenticated(_) => ErrorReason::Unauthenticated,
            Error::RoleNotAllowed { .. } => ErrorReason::RoleNotAllowed,
            Error::OutOfScope { .. } => ErrorReason::OutOfScope,
            Error::Store(
                StoreError::Corrupt { .. }
                | StoreError::Url(_)
                | StoreError::Schema(_)
                | StoreError::Backup(_),
            )
            | Error::Catalogue(_)
            | Error::Calendar(_)
            | Error::Config(_)
            | Error::Server(_) => ErrorReason::Internal,
        }
    }

    /// What the caller may read beyond the reason: `ErrorInfo` metadata, and the field
    /// violation or the precondition violation (type, subject, description) when there is one.
    fn details(&self) -> Details {
        let mut details = Details::default();
        match self {
            Error::InvalidArgument { field, message }
            | Error::Engine(EngineError::InvalidArgument { field, message }) => {
                details.meta("field", field);
                details.field = Some((field.clone(), message.clone()));
            }
            Error::Engine(EngineError::InvalidTransition {
                entity,
                id,
                state,
                command,
            }) => {
                details.entity(entity, id).meta("state", state);
                details.precondition = Some((
                    (*entity).to_owned(),
                    id.clone(),
                    format!("{entity} is {state}: cannot {command}"),
                ));
            }
            Error::Engine(EngineError::ClaimedByOther { branch_id, holder }) => {
                details.entity("branch", branch_id).meta("holder", holder);
                details.precondition = Some((
                    "branch".to_owned(),
                    branch_id.clone(),
                    format!("claimed by clerk {holder}"),
                ));
            }
            Error::Engine(EngineError::ClerkAway {
                department_code,
                clerk_id,
            }) => {
                details
                    .entity("clerk", clerk_id)
                    .meta("department", department_code);
                details.precondition = Some((
                    "clerk".to_owned(),
                    clerk_id.clone(),
                    format!("away from department {department_code}"),
                ));
            }
            Error::Engine(EngineError::NotYet {
                entity,
                id,
                message,
            }) => {
                details.entity(entity, id);
                details.precondition = Some((
                    (*entity).to_owned(),
                    id.clone(),
                    format!("not yet: {message}"),
                ));
            }
            Error::ClockNotManual => {
                details.precondition = Some((
                    "clock".to_owned(),
                    "system".to_owned(),
                    "the server runs on the system clock".to_owned(),
                ));
            }
            Error::Engine(EngineError::WrongDepartment {
                branch_id,
                owner,
                caller,
            }) => {
                details
                    .entity("branch", branch_id)
                    .meta("owner", owner)
                    .meta("caller", caller);
            }
            Error::Engine(EngineError::SamePerson { who }) => {
                details.meta("who", who);
            }
            Error::Engine(EngineError::NotLead {
                session_id,
                lead,
                caller,
            }) => {
                details
                    .entity("session", session_id)
                    .meta("lead", lead)
                    .meta("caller", caller);
            }
            Error::Engine(EngineError::NotInvited {
                session_id,
                department_code,
            }) => {
                details
                    .entity("session", session_id)
                    .meta("caller", department_code);
            }
            Error::Engine(EngineError::NotResponsible {
                case_id,
                department_code,
                caller,
            }) => {
                details
                    .entity("case", case_id)
                    .meta("department", department_code)
                    .meta("caller", caller);
            }
            Error::Engine(EngineError::CaseStepMissing { case_id, step }) => {
                details.entity("case", case_id).meta("missing", step);
                details.precondition = Some((
                    "case".to_owned(),
                    case_id.clone(),
                    format!("its {step} is not recorded yet"),
                ));
            }
            Error::NotFound { entity, id }
            | Error::Engine(EngineError::NotFound { entity, id }) => {
                details.entity(entity, id);
            }
            Error::KeyReused { .. } => {
                details.meta("field", "idempotency_key");
            }
            Error::Store(StoreError::Duplicate { what, code }) => {
                details.entity(what, code);
            }
            Error::LimitExceeded { limit, allowed, .. } => {
                details
                    .meta("limit", limit)
                    .meta("allowed", &allowed.to_string());
            }
            Error::RoleNotAllowed {
                method,
                allowed,
                principal,
            } => {
                details
                    .meta("method", method)
                    .meta("allowed", allowed)
                    .meta("principal", principal);
            }
            Error::OutOfScope {
                field, principal, ..
            } => {
                details.meta("field", field).meta("principal", principal);
            }
            Error::Undecodable(description) => {
                // An empty path: the whole message.
                details.field = Some((String::new(), description.clone()));
            }
            _ => {}
        }
        details
    }
}

/// The parts of a refusal beyond its code, reason and message.
#[derive(Default)]
struct Details {
    metadata: HashMap<String, String>,
    field: Option<(String, String)>,
    precondition: Option<(String, String, String)>,
}

impl Details {
    fn meta(&mut self, key: &str, value: &str) -> &mut Self {
        self.metadata.insert(key.to_owned(), value.to_owned());
        self
    }

    fn entity(&mut self, entity: &str, id: &str) -> &mut Self {
        self.meta("entity", entity).meta("id", id)
    }
}

/// Most characters of a status message or a description in its details.
pub const MAX_MESSAGE_CHARS: usize = 400;
/// Most characters of a field path, a subject or a metadata value in a refusal's details.
pub const MAX_DETAIL_CHARS: usize = 128;

/// `text` as a refusal may carry it: control characters escaped, cut at `max` characters, so
/// that nothing a caller sent can reach a terminal or overflow a client's metadata limits.
fn bounded(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (index, c) in text.chars().enumerate() {
        if index >= max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The status code of each reason, as documented in `errors.proto`.
pub fn code_of(reason: ErrorReason) -> Code {
    match reason {
        ErrorReason::InvalidField | ErrorReason::Undecodable => Code::InvalidArgument,
        ErrorReason::ApplicationState
        | ErrorReason::BranchNotActionable
        | ErrorReason::SessionState
        | ErrorReason::CaseState
        | ErrorReason::CallBackRequired
        | ErrorReason::RulingRequired
        | ErrorReason::ExtensionDecided
        | ErrorReason::ClaimedByOther
        | ErrorReason::ClerkAway
        | ErrorReason::NotYet
        | ErrorReason::ClockNotManual => Code::FailedPrecondition,
        ErrorReason::NotOwner
        | ErrorReason::SamePerson
        | ErrorReason::NotLead
        | ErrorReason::NotInvited
        | ErrorReason::NotResponsible
        | ErrorReason::RoleNotAllowed
        | ErrorReason::OutOfScope => Code::PermissionDenied,
        ErrorReason::Unauthenticated => Code::Unauthenticated,
        ErrorReason::NotFound => Code::NotFound,
        ErrorReason::KeyReused | ErrorReason::AlreadyRegistered => Code::AlreadyExists,
        ErrorReason::Conflict => Code::Aborted,
        ErrorReason::StoreUnavailable => Code::Unavailable,
        ErrorReason::LimitExceeded => Code::ResourceExhausted,
        ErrorReason::Internal | ErrorReason::Unspecified => Code::Internal,
    }
}

/// The refusal of a request whose bytes do not decode, for `lianban_proto::codec::on_undecodable`.
pub fn undecodable(description: String) -> Status {
    Status::from(Error::Undecodable(description))
}

impl From<Error> for Status {
    fn from(error: Error) -> Status {
        let reason = error.reason();
        let code = code_of(reason);
        let message = match code {
            Code::Unavailable => {
                tracing::error!(error = %error, "request failed: store unavailable");
                STORE_UNAVAILABLE_MESSAGE.to_owned()
            }
            // A refused calendar or catalogue file names the operator's own file and line,
            // which the admin who asked for the reload needs; nothing else internal is echoed.
            Code::Internal if matches!(error, Error::Calendar(_) | Error::Catalogue(_)) => {
                tracing::error!(error = %error, "request failed");
                error.to_string()
            }
            Code::Internal => {
                tracing::error!(error = %error, "request failed");
                INTERNAL_MESSAGE.to_owned()
            }
            _ => error.to_string(),
        };
        let details = error.details();
        let mut rich = match (details.field, details.precondition) {
            (Some((field, description)), _) => ErrorDetails::with_bad_request_violation(
                bounded(&field, MAX_DETAIL_CHARS),
                bounded(&description, MAX_MESSAGE_CHARS),
            ),
            (None, Some((kind, subject, description))) => {
                ErrorDetails::with_precondition_failure_violation(
                    kind,
                    bounded(&subject, MAX_DETAIL_CHARS),
                    bounded(&description, MAX_MESSAGE_CHARS),
                )
            }
            (None, None) => ErrorDetails::new(),
        };
        let metadata = details
            .metadata
            .into_iter()
            .map(|(key, value)| (key, bounded(&value, MAX_DETAIL_CHARS)))
            .collect::<HashMap<_, _>>();
        rich.set_error_info(reason.as_str_name(), DOMAIN, metadata);
        Status::with_error_details(code, bounded(&message, MAX_MESSAGE_CHARS), rich)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use sea_orm::DbErr;
    use uuid::Uuid;

    use super::*;

    /// One error of every variant (and of every entity an undefined transition names).
    fn every_error() -> Vec<Error> {
        let transition = |entity| EngineError::InvalidTransition {
            entity,
            id: "x".into(),
            state: "s",
            command: "c",
        };
        let text = || "x".to_owned();
        vec![
            Error::invalid("field", "bad"),
            EngineError::invalid("field", "bad").into(),
            transition("application").into(),
            transition("branch").into(),
            transition("session").into(),
            transition("extension request").into(),
            transition("case").into(),
            EngineError::CaseStepMissing {
                case_id: text(),
                step: "ruling",
            }
            .into(),
            EngineError::CaseStepMissing {
                case_id: text(),
                step: "call_back",
            }
            .into(),
            EngineError::NotResponsible {
                case_id: text(),
                department_code: text(),
                caller: text(),
            }
            .into(),
            EngineError::ClaimedByOther {
                branch_id: text(),
                holder: text(),
            }
            .into(),
            EngineError::ClerkAway {
                department_code: text(),
                clerk_id: text(),
            }
            .into(),
            EngineError::NotYet {
                entity: "session",
                id: text(),
                message: text(),
            }
            .into(),
            Error::ClockNotManual,
            EngineError::WrongDepartment {
                branch_id: text(),
                owner: text(),
                caller: text(),
            }
            .into(),
            EngineError::SamePerson { who: text() }.into(),
            EngineError::NotLead {
                session_id: text(),
                lead: text(),
                caller: text(),
            }
            .into(),
            EngineError::NotInvited {
                session_id: text(),
                department_code: text(),
            }
            .into(),
            Error::NotFound {
                entity: "application",
                id: text(),
            },
            EngineError::NotFound {
                entity: "branch",
                id: text(),
            }
            .into(),
            Error::KeyReused { key: text() },
            StoreError::Duplicate {
                what: "project",
                code: text(),
            }
            .into(),
            StoreError::Conflict(Uuid::nil()).into(),
            StoreError::KeyTaken { key: text() }.into(),
            StoreError::Database(DbErr::Custom("secret driver text".into())).into(),
            StoreError::Corrupt {
                id: text(),
                message: text(),
            }
            .into(),
            StoreError::Url(text()).into(),
            CatalogueError::Unreadable {
                path: text(),
                message: text(),
            }
            .into(),
            CalendarError::Unreadable {
                path: text(),
                message: text(),
            }
            .into(),
            Error::Config(text()),
            Error::Server(text()),
            Error::LimitExceeded {
                limit: "max_streams_per_caller",
                allowed: 1,
                what: "open streams",
            },
            Error::Undecodable(text()),
            Error::Unauthenticated(text()),
            Error::RoleNotAllowed {
                method: text(),
                allowed: text(),
                principal: text(),
            },
            Error::OutOfScope {
                field: text(),
                message: text(),
                principal: text(),
            },
        ]
    }

    #[test]
    fn every_reason_has_a_producer_and_every_producer_a_reason() {
        let produced: BTreeSet<i32> = every_error().iter().map(|e| e.reason() as i32).collect();
        let declared: BTreeSet<i32> = (1..1000)
            .filter(|value| ErrorReason::try_from(*value).is_ok())
            .collect();
        assert!(!produced.contains(&(ErrorReason::Unspecified as i32)));
        assert_eq!(
            produced, declared,
            "reasons without a producer, or unknown reasons"
        );
    }

    #[test]
    fn every_refusal_carries_its_reason_and_details() {
        for error in every_error() {
            let reason = error.reason();
            let status = Status::from(error);
            assert_eq!(status.code(), code_of(reason));
            let details = status.get_error_details();
            let info = details.error_info().expect("error info");
            assert_eq!(info.reason, reason.as_str_name());
            assert_eq!(info.domain, DOMAIN);
            match status.code() {
                Code::InvalidArgument => assert!(details.bad_request().is_some()),
                Code::FailedPrecondition => assert!(details.precondition_failure().is_some()),
                _ => {}
            }
        }
    }

    #[test]
    fn store_failures_do_not_leak() {
        let error: Error = StoreError::Database(DbErr::Custom("secret driver text".into())).into();
        let status = Status::from(error);
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(status.message(), STORE_UNAVAILABLE_MESSAGE);
        let status = Status::from(Error::Server("secret detail".into()));
        assert_eq!(status.message(), INTERNAL_MESSAGE);
    }

    #[test]
    fn an_unreachable_database_is_unavailable_never_internal() {
        use sea_orm::{ConnAcquireErr, RuntimeErr};
        let refused = || {
            sea_orm::sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionRefused))
        };
        for failure in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::SqlxError(refused().into())),
            DbErr::Query(RuntimeErr::SqlxError(refused().into())),
            DbErr::Exec(RuntimeErr::SqlxError(refused().into())),
        ] {
            let error = Error::from(StoreError::Database(failure));
            assert_eq!(error.reason(), ErrorReason::StoreUnavailable, "{error}");
            let status = Status::from(error);
            assert_eq!(status.code(), Code::Unavailable);
            assert_eq!(status.message(), STORE_UNAVAILABLE_MESSAGE);
        }
    }

    #[test]
    fn a_refused_calendar_file_is_named_to_the_admin_who_reloaded_it() {
        let refused = lianban_orchestrator::CalendarError::Invalid {
            file: "holidays.csv".into(),
            line: 3,
            message: "not a date".into(),
        };
        let status = Status::from(Error::from(refused));
        assert_eq!(status.code(), Code::Internal);
        assert!(
            status.message().contains("holidays.csv line 3"),
            "{}",
            status.message()
        );
    }
}
