//! The session aggregate: a meeting or survey, the branches it reviews, the departments it
//! invited and what they put on record, its moves, and how it ended.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::policy::SessionPolicy;
use super::state::SessionState;
use crate::application::Decider;

/// A meeting or an on-site survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// A joint review meeting (联审会).
    Meeting,
    /// A joint on-site survey (联合踏勘).
    SiteSurvey,
}

impl SessionKind {
    /// The name used on the wire and in the CLI.
    pub fn name(self) -> &'static str {
        match self {
            SessionKind::Meeting => "meeting",
            SessionKind::SiteSurvey => "site_survey",
        }
    }

    /// The name the notices and minutes use.
    pub(super) fn label(self) -> &'static str {
        match self {
            SessionKind::Meeting => "联审会",
            SessionKind::SiteSurvey => "联合踏勘",
        }
    }
}

/// One branch the session reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionItem {
    /// Its application.
    pub application_id: Uuid,
    /// The application's receipt number.
    pub receipt_number: String,
    /// The branch.
    pub branch_id: Uuid,
    /// Its matter.
    pub matter_code: String,
    /// Its department.
    pub department_code: String,
}

/// A department's signature for the current notice of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Who signed.
    pub clerk_id: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One invited department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// The department.
    pub department_code: String,
    /// When it was first invited.
    pub invited_at: DateTime<Utc>,
    /// When it was last told the session's time and place (the invitation or a reschedule).
    pub notified_at: DateTime<Utc>,
    /// Whether that notice came less than the notice period before the start: then its absence
    /// is not deemed consent.
    pub late: bool,
    /// Its acknowledgement of the current notice; a reschedule clears it.
    pub acknowledgement: Option<Acknowledgement>,
}

/// What a department put on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpinionKind {
    /// It sends a delegate (recorded as attended); the text names the delegate.
    Delegate,
    /// It consents on its branches; the text is an optional comment.
    Consent,
    /// It objects on its branches; the text gives the reasons.
    Object,
}

impl OpinionKind {
    /// The name used on the wire and in the CLI.
    pub fn name(self) -> &'static str {
        match self {
            OpinionKind::Delegate => "delegate",
            OpinionKind::Consent => "consent",
            OpinionKind::Object => "object",
        }
    }
}

/// One opinion or delegate, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    /// The department.
    pub department_code: String,
    /// Its clerk.
    pub clerk_id: String,
    /// Delegate, consent or objection.
    pub kind: OpinionKind,
    /// The delegate's name, the comment or the reasons.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One move of the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reschedule {
    /// The start before.
    pub from_starts_at: DateTime<Utc>,
    /// The start after.
    pub to_starts_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who moved it.
    pub by: Decider,
    /// When.
    pub at: DateTime<Utc>,
}

/// How a department took part, as the minutes record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attendance {
    /// Sent a delegate, or gave its opinion once the session had started.
    Attended,
    /// Gave its opinion in writing before the session, without attending.
    WrittenOpinion,
    /// Neither attended nor gave an opinion: deemed to consent on its branches.
    Absent,
    /// Neither attended nor gave an opinion, but was notified too late to be bound by it: its
    /// branches fall back to their deadline rule.
    AbsentExcused,
}

impl Attendance {
    /// The name used on the wire and in the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Attendance::Attended => "attended",
            Attendance::WrittenOpinion => "written_opinion",
            Attendance::Absent => "absent",
            Attendance::AbsentExcused => "absent_excused",
        }
    }
}

/// One invited department at the closing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentOutcome {
    /// The department.
    pub department_code: String,
    /// How it took part.
    pub attendance: Attendance,
    /// Its standing opinion on its branches (the last consent or objection), if it gave one.
    pub opinion: Option<Opinion>,
    /// Why the outcome is what it is: invitation, acknowledgement (or its absence), opinions.
    pub evidence: String,
}

/// The closing of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// The lead's clerk, or `None` when the system closed it after the grace period.
    pub closed_by: Option<Decider>,
    /// The minutes (会议纪要).
    pub minutes: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Every invited department, in invitation order.
    pub outcomes: Vec<DepartmentOutcome>,
}

/// The calling-off of a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    /// Who.
    pub by: Decider,
    /// Why.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A joint review session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Session id (UUID v7).
    pub id: Uuid,
    /// Meeting or on-site survey.
    pub kind: SessionKind,
    /// Current state.
    pub state: SessionState,
    /// The convening department: only it reschedules, cancels and closes.
    pub lead_department_code: String,
    /// The clerk who scheduled it.
    pub scheduled_by: String,
    /// The key project, when the session reviews several of its applications.
    pub key_project_code: Option<String>,
    /// Scheduled start.
    pub starts_at: DateTime<Utc>,
    /// Scheduled end.
    pub ends_at: DateTime<Utc>,
    /// Place, or the link of an online meeting.
    pub place: String,
    /// The branches it reviews.
    pub items: Vec<SessionItem>,
    /// The invited departments.
    pub invitations: Vec<Invitation>,
    /// Every opinion and delegate, oldest first.
    pub opinions: Vec<Opinion>,
    /// Every move, oldest first.
    pub reschedules: Vec<Reschedule>,
    /// Set when closed.
    pub closing: Option<Closing>,
    /// Set when cancelled.
    pub cancellation: Option<Cancellation>,
    /// When scheduled.
    pub created_at: DateTime<Utc>,
    /// Incremented on every change.
    pub version: u64,
}

impl Session {
    /// When the system closes the session if the lead has not: its end plus the grace period.
    pub fn close_due_at(&self, policy: SessionPolicy) -> DateTime<Utc> {
        self.ends_at + policy.grace
    }

    /// The applications the session reviews, in the order of its items.
    pub fn application_ids(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = Vec::new();
        for item in &self.items {
            if !ids.contains(&item.application_id) {
                ids.push(item.application_id);
            }
        }
        ids
    }

    /// The invitation of `department_code`.
    pub fn invitation(&self, department_code: &str) -> Option<&Invitation> {
        self.invitations
            .iter()
            .find(|i| i.department_code == department_code)
    }
}
