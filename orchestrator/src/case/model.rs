//! The case aggregate: what it is about and who raised it, where it was routed and by when the
//! department must answer, and every step on record — reply, ruling, appeals, call-back, closing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::state::{CaseKind, CaseState};
use crate::application::{Decider, RatingStage};

/// How a complaint came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// At the front desk.
    FrontDesk,
    /// Online.
    Online,
    /// By phone.
    Phone,
    /// A rating (the rectification of a negative review).
    Rating,
}

impl Channel {
    /// The name used on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Channel::FrontDesk => "front_desk",
            Channel::Online => "online",
            Channel::Phone => "phone",
            Channel::Rating => "rating",
        }
    }
}

/// What a complaint is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// An application.
    Application {
        /// The application.
        application_id: Uuid,
    },
    /// A department.
    Department {
        /// The department.
        department_code: String,
    },
    /// A window of the hall.
    Window {
        /// The window's name or number.
        window: String,
    },
    /// A clerk of a department.
    Clerk {
        /// The clerk's department.
        department_code: String,
        /// The clerk.
        clerk_id: String,
    },
}

/// A natural person or an organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplainantKind {
    /// A natural person (ID number).
    NaturalPerson,
    /// An organisation (unified social credit code).
    Organisation,
}

/// Who lodged a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complainant {
    /// Person or organisation.
    pub kind: ComplainantKind,
    /// Name.
    pub name: String,
    /// ID number or unified social credit code.
    pub id_number: String,
    /// Phone, for the call-back.
    pub phone: String,
}

/// The rating a rectification answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatedService {
    /// The rated application.
    pub application_id: Uuid,
    /// Its receipt number, if accepted.
    pub receipt_number: Option<String>,
    /// At acceptance or at dispatch.
    pub stage: RatingStage,
    /// The satisfaction code (4 不满意, 5 非常不满意).
    pub satisfaction_code: u8,
    /// The rater's comment.
    pub comment: String,
    /// Whether the rater gave their name: a call-back is then owed.
    pub real_name: bool,
    /// When it was rated.
    pub rated_at: DateTime<Utc>,
}

/// The department's reply, or its report of the rectification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// Who.
    pub by: Decider,
    /// What.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Whether it came on or before the deadline.
    pub on_time: bool,
}

/// A supervisor's ruling on a complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ruling {
    /// Upheld (the complaint is founded) or not.
    pub upheld: bool,
    /// Why.
    pub reason: String,
    /// The supervisor.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A supervisor's decision on an appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppealDecision {
    /// Whether the review was overturned (it no longer counts as negative).
    pub overturned: bool,
    /// Why.
    pub reason: String,
    /// The supervisor.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The department's appeal against a review (申诉).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appeal {
    /// Who.
    pub by: Decider,
    /// Why the review is malicious or mistaken.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The supervisor's decision, once taken.
    pub decision: Option<AppealDecision>,
}

/// The call-back to the person (回访).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallBack {
    /// When the person was called.
    pub called_at: DateTime<Utc>,
    /// Who called.
    pub by: String,
    /// What the person said.
    pub said: String,
    /// Whether they are satisfied with how it was handled.
    pub satisfied: bool,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
}

/// How a case ended, as the assessment counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseOutcome {
    /// A complaint ruled founded.
    Upheld,
    /// A complaint ruled unfounded.
    NotUpheld,
    /// A negative review rectified.
    Rectified,
    /// A negative review overturned on appeal: it no longer counts as negative.
    Overturned,
}

impl CaseOutcome {
    /// The name used on the wire and in the store.
    pub fn name(self) -> &'static str {
        match self {
            CaseOutcome::Upheld => "upheld",
            CaseOutcome::NotUpheld => "not_upheld",
            CaseOutcome::Rectified => "rectified",
            CaseOutcome::Overturned => "overturned",
        }
    }
}

/// The closing of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closing {
    /// The supervisor who closed it, or who overturned the review.
    pub by: String,
    /// Closing note.
    pub note: String,
    /// When.
    pub at: DateTime<Utc>,
    /// How it ended.
    pub outcome: CaseOutcome,
}

/// A complaint or a rectification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Case id.
    pub id: Uuid,
    /// Complaint or rectification.
    pub kind: CaseKind,
    /// Its readable number, e.g. `TS2026000123`.
    pub number: String,
    /// Current state.
    pub state: CaseState,
    /// The responsible department.
    pub department_code: String,
    /// How it came in.
    pub channel: Channel,
    /// What a complaint is about; `None` for a rectification.
    pub subject: Option<Subject>,
    /// Who complained; `None` for a rectification.
    pub complainant: Option<Complainant>,
    /// The facts as told (a rectification: the rating's comment).
    pub facts: String,
    /// The rating a rectification answers.
    pub rating: Option<RatedService>,
    /// Who registered it (the system for a rectification).
    pub opened_by: String,
    /// When.
    pub opened_at: DateTime<Utc>,
    /// By when the department must reply: the closing time of the last working day.
    pub due_at: DateTime<Utc>,
    /// Whether a call-back must be recorded before closing.
    pub call_back_required: bool,
    /// The department's reply or rectification report.
    pub reply: Option<Reply>,
    /// A complaint's ruling.
    pub ruling: Option<Ruling>,
    /// Every appeal, oldest first.
    pub appeals: Vec<Appeal>,
    /// The call-back.
    pub call_back: Option<CallBack>,
    /// When the system escalated it for having no answer by its deadline.
    pub escalated_at: Option<DateTime<Utc>>,
    /// Set when closed.
    pub closing: Option<Closing>,
    /// Incremented on every change; also the number of entries on its trail.
    pub version: u64,
}

impl Case {
    /// Whether the case is overdue at `now`: the department still owes its answer and the
    /// deadline has passed, or it answered late. Overdue cases show red.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        match &self.reply {
            Some(reply) => !reply.on_time,
            None => self.state != CaseState::Closed && now > self.due_at,
        }
    }

    /// Whether the department rectified (replied) on or before its deadline.
    pub fn rectified_on_time(&self) -> bool {
        self.reply.as_ref().is_some_and(|reply| reply.on_time)
    }

    /// The rated application and stage of a rectification.
    pub fn rated(&self) -> Option<(Uuid, RatingStage)> {
        self.rating.as_ref().map(|r| (r.application_id, r.stage))
    }

    /// The pending appeal, if any.
    pub(super) fn pending_appeal_mut(&mut self) -> Option<&mut Appeal> {
        self.appeals.iter_mut().rev().find(|a| a.decision.is_none())
    }
}
