//! The engine's errors: one for a catalogue that cannot be used, one for a command that cannot be
//! carried out. Both are values, never panics; the gRPC layer maps them to status codes in one place.

use thiserror::Error;

/// Why a catalogue was refused. Every variant names the file and the entry to fix.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CatalogueError {
    /// A file or folder could not be read.
    #[error("catalogue {path}: {message}")]
    Unreadable {
        /// The file or folder.
        path: String,
        /// The operating system's reason.
        message: String,
    },
    /// A file is not valid TOML or has fields the catalogue does not know.
    #[error("catalogue file {file}: {message}")]
    Syntax {
        /// The file.
        file: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// The same code is declared twice.
    #[error("catalogue file {file}: {kind} {code} is declared twice (first in {first_file})")]
    Duplicate {
        /// The file with the second declaration.
        file: String,
        /// department, material, matter, bundle or branch.
        kind: &'static str,
        /// The repeated code.
        code: String,
        /// The file with the first declaration.
        first_file: String,
    },
    /// An entry refers to a code that no file declares.
    #[error("catalogue file {file}: {entry} refers to unknown {kind} {code}")]
    Unknown {
        /// The file.
        file: String,
        /// The referring entry, e.g. "matter scjg-qiye-sheli".
        entry: String,
        /// What kind of code is missing.
        kind: &'static str,
        /// The missing code.
        code: String,
    },
    /// A bundle's dependencies form a cycle.
    #[error("catalogue file {file}: bundle {bundle} has a dependency cycle: {cycle}")]
    Cycle {
        /// The file.
        file: String,
        /// The bundle.
        bundle: String,
        /// The matter codes along the cycle.
        cycle: String,
    },
    /// Any other inconsistency in one entry.
    #[error("catalogue file {file}: {entry}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// The entry.
        entry: String,
        /// What is wrong.
        message: String,
    },
}

/// Why calendar data was refused. Nothing is loaded from a refused file.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// A row is malformed.
    #[error("calendar file {file} line {line}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A date is listed with two different kinds.
    #[error("calendar file {file}: {date} is listed as two different kinds of day")]
    Conflict {
        /// The file that brought the second listing.
        file: String,
        /// The date.
        date: chrono::NaiveDate,
    },
    /// A file or folder could not be read.
    #[error("calendar {path}: {message}")]
    Unreadable {
        /// The file or folder.
        path: String,
        /// The reason.
        message: String,
    },
}

/// Why a command was refused. Nothing changes when a command is refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// A field of the command is malformed or not allowed; `field` is its path in the request.
    #[error("{field}: {message}")]
    InvalidArgument {
        /// Path of the field in the request, e.g. `materials[1].material_code`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// The command is not defined for the current state (an undefined transition).
    #[error("{entity} {id} is {state}: cannot {command}")]
    InvalidTransition {
        /// application or branch.
        entity: &'static str,
        /// Its id.
        id: String,
        /// Its current state.
        state: &'static str,
        /// The refused command.
        command: &'static str,
    },
    /// The caller acts for a department that does not own the branch.
    #[error("branch {branch_id} belongs to department {owner}, not {caller}")]
    WrongDepartment {
        /// The branch.
        branch_id: String,
        /// The department that owns it.
        owner: String,
        /// The department that called.
        caller: String,
    },
    /// The branch is claimed by another clerk.
    #[error("branch {branch_id} is claimed by clerk {holder}")]
    ClaimedByOther {
        /// The branch.
        branch_id: String,
        /// The clerk holding it.
        holder: String,
    },
    /// The same person may not both ask and approve (extensions need a second person).
    #[error(
        "{who} asked for this extension and cannot also decide it: a different supervisor must"
    )]
    SamePerson {
        /// The person.
        who: String,
    },
    /// The command is defined for the state but not yet possible (a session closed before it began).
    #[error("{entity} {id}: not yet: {message}")]
    NotYet {
        /// What kind.
        entity: &'static str,
        /// Its id.
        id: String,
        /// Why not, and from when.
        message: String,
    },
    /// Only a session's lead department may reschedule, cancel or close it.
    #[error("session {session_id} is led by department {lead}, not {caller}")]
    NotLead {
        /// The session.
        session_id: String,
        /// Its lead department.
        lead: String,
        /// The department that called.
        caller: String,
    },
    /// The clerk is away (declared absent) and cannot be handed a branch.
    #[error("clerk {clerk_id} of department {department_code} is away")]
    ClerkAway {
        /// The department.
        department_code: String,
        /// The clerk.
        clerk_id: String,
    },
    /// The department was not invited to the session.
    #[error("department {department_code} is not invited to session {session_id}")]
    NotInvited {
        /// The session.
        session_id: String,
        /// The department that called.
        department_code: String,
    },
    /// Only a case's responsible department replies to it or appeals it.
    #[error("case {case_id} is routed to department {department_code}, not {caller}")]
    NotResponsible {
        /// The case.
        case_id: String,
        /// Its responsible department.
        department_code: String,
        /// The department that called.
        caller: String,
    },
    /// A case cannot close before a step it requires: the ruling of a complaint (`ruling`) or
    /// the call-back to the person (`call_back`).
    #[error("case {case_id} cannot close before its {step} is recorded")]
    CaseStepMissing {
        /// The case.
        case_id: String,
        /// `ruling` or `call_back`.
        step: &'static str,
    },
    /// A referenced entity does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind.
        entity: &'static str,
        /// The id asked for.
        id: String,
    },
}

impl EngineError {
    /// Shorthand for an invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        EngineError::InvalidArgument {
            field: field.into(),
            message: message.into(),
        }
    }
}
