//! The values the store takes and hands back: the change to commit, remembered responses, key
//! projects, notifications, the audit chain's links, and the filters and pages of the lists.
//! They live apart from the methods so that every group of methods, and the writer, can share
//! them without depending on one another.

use chrono::{DateTime, Utc};
use lianban_orchestrator::notify::Notice;
use lianban_orchestrator::{Application, ApplicationState, BranchState, Event};
use uuid::Uuid;

/// A response remembered under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RememberedResponse {
    /// SHA-256 of the request that produced it.
    pub request_hash: String,
    /// The encoded response.
    pub response: Vec<u8>,
}

/// An idempotency record to write with a change.
#[derive(Debug, Clone)]
pub struct IdempotencyRecord {
    /// RPC and caller.
    pub scope: String,
    /// The client's key.
    pub key: String,
    /// SHA-256 of the request.
    pub request_hash: String,
    /// The encoded response.
    pub response: Vec<u8>,
}

/// One change to commit atomically.
pub struct Change<'a> {
    /// The application as the engine left it.
    pub application: &'a Application,
    /// The application as it was read, `None` for a new one.
    pub previous: Option<&'a Application>,
    /// What happened.
    pub events: &'a [Event],
    /// Who did it.
    pub actor: &'a str,
    /// When.
    pub at: DateTime<Utc>,
    /// The response to remember, if the request carried a key.
    pub idempotency: Option<IdempotencyRecord>,
    /// What someone must be told of this change.
    pub notices: &'a [Notice],
}

/// A key project (重点项目).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRecord {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Investor.
    pub investor: String,
    /// Investment in 万元.
    pub investment_wan: i64,
    /// Facilitator.
    pub facilitator: String,
    /// When registered.
    pub registered_at: DateTime<Utc>,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotification {
    /// Outbox position (the cursor).
    pub position: i64,
    /// The application.
    pub application_id: String,
    /// applicant, department or supervision.
    pub audience: String,
    /// The department, for a department's notification.
    pub department_code: Option<String>,
    /// What kind.
    pub kind: String,
    /// The branch it is about.
    pub branch_id: Option<String>,
    /// The message.
    pub message: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The joint review session it is about, if any.
    pub session_id: Option<String>,
}

/// Which notifications a reader wants.
#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    /// Only this audience (applicant, department or supervision).
    pub audience: Option<String>,
    /// Only this department's.
    pub department_code: Option<String>,
    /// Only this application's, with the notices of every session that reviews it (a session's
    /// notice is stored against its first application).
    pub application_id: Option<String>,
    /// Only this kind (e.g. `session_minutes`).
    pub kind: Option<String>,
    /// Only the notices of this session.
    pub session_id: Option<String>,
}

/// Filters for listing applications.
#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    /// Only this bundle.
    pub bundle_code: Option<String>,
    /// Only these states (empty: all).
    pub states: Vec<ApplicationState>,
    /// Only this key project.
    pub key_project_code: Option<String>,
}

/// Filters for listing branches.
#[derive(Debug, Clone, Default)]
pub struct BranchFilter {
    /// Only this department (all when unset).
    pub department_code: Option<String>,
    /// Only these states (empty: all).
    pub states: Vec<BranchState>,
    /// Only this bundle.
    pub bundle_code: Option<String>,
    /// Only the branches assigned to this clerk.
    pub assignee: Option<String>,
    /// Only the branches nobody of their post can take.
    pub unstaffed_only: bool,
    /// Only the branches of this application.
    pub application_id: Option<Uuid>,
}

/// A page request: at most `size` rows after the row named by `after`.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// How many.
    pub size: u64,
    /// The id of the last row of the previous page.
    pub after: Option<Uuid>,
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// The id to continue after, when there are more rows.
    pub next_after: Option<Uuid>,
}

/// One audit event's fields, as hashed into the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLink {
    /// The application.
    pub application_id: String,
    /// Position in the application's chain, from 1.
    pub seq: i64,
    /// The application version the event produced.
    pub version: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub kind: String,
    /// The event, with its reasons, as JSON.
    pub detail: String,
    /// The previous event's hash.
    pub prev_hash: String,
}

impl AuditLink {
    /// SHA-256 over every field, hex: the link of an event written without an audit key.
    pub fn hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        self.feed(|bytes| hasher.update(bytes));
        format!("{:x}", hasher.finalize())
    }

    /// Hands every field to `update`, each preceded by its length (eight bytes, big-endian), so
    /// that no two different events give the same bytes.
    pub fn feed(&self, mut update: impl FnMut(&[u8])) {
        for part in [
            self.application_id.as_str(),
            &self.seq.to_string(),
            &self.version.to_string(),
            &self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            &self.actor,
            &self.kind,
            &self.detail,
            &self.prev_hash,
        ] {
            update(&(part.len() as u64).to_be_bytes());
            update(part.as_bytes());
        }
    }
}

/// One stored audit event: its fields and the hash stored with it.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Row id.
    pub id: i64,
    /// The fields.
    pub link: AuditLink,
    /// The stored hash: HMAC-SHA256 under the key `key_id` names, or plain SHA-256 without one.
    pub hash: String,
    /// The id of the audit key the event was signed with; `None` for a plain SHA-256 link.
    pub key_id: Option<String>,
}

/// A clerk marked away: who, since when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceRecord {
    /// The department.
    pub department_code: String,
    /// The clerk.
    pub clerk_id: String,
    /// Since when.
    pub since: DateTime<Utc>,
    /// Why.
    pub reason: String,
}
