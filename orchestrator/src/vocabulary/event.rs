//! Events: what happened to an application, in the order it happened.
//!
//! The engine records them, the store keeps them as the application's history, and the notices
//! are derived from them; none of those needs more than this enum to agree on what happened.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::application::{PauseKind, RatingStage};
use crate::machine::BranchState;
use crate::rating::{RatingChannel, Satisfaction};

/// What happened, in the order it happened. The store keeps these as the application's history,
/// and the server tells watchers about the branches they name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// The application was submitted.
    Submitted,
    /// Materials were handed in after submission.
    MaterialsSupplemented {
        /// The codes handed in.
        material_codes: Vec<String>,
    },
    /// A one-time notice listed everything missing.
    NoticeIssued {
        /// Its number.
        number: u32,
    },
    /// The application was accepted with a receipt number.
    Accepted {
        /// The receipt number.
        receipt_number: String,
    },
    /// A branch became actionable.
    BranchStarted {
        /// The branch.
        branch_id: Uuid,
    },
    /// A branch waits for its predecessors.
    BranchWaiting {
        /// The branch.
        branch_id: Uuid,
    },
    /// A clerk claimed a branch.
    BranchClaimed {
        /// The branch.
        branch_id: Uuid,
        /// The clerk.
        clerk_id: String,
    },
    /// The clerk holding a branch's claim gave it back.
    BranchReleased {
        /// The branch.
        branch_id: Uuid,
        /// The clerk who held it.
        clerk_id: String,
        /// Why.
        reason: String,
    },
    /// A department decided a branch.
    BranchDecided {
        /// The branch.
        branch_id: Uuid,
        /// approved, rejected, consented or objected.
        state: BranchState,
    },
    /// A silent joint-review department was deemed to consent at its deadline.
    BranchDeemedConsent {
        /// The branch.
        branch_id: Uuid,
        /// The deadline that passed.
        deadline: DateTime<Utc>,
        /// The rule applied.
        rule: String,
    },
    /// A branch passed its deadline and was escalated to supervision.
    BranchEscalated {
        /// The branch.
        branch_id: Uuid,
        /// The deadline that passed.
        deadline: DateTime<Utc>,
    },
    /// A department stopped a branch's clock.
    BranchPaused {
        /// The branch.
        branch_id: Uuid,
        /// Supplement request or special procedure.
        pause: PauseKind,
    },
    /// A branch's clock runs again.
    BranchResumed {
        /// The branch.
        branch_id: Uuid,
        /// Working days the pause took, added to the deadline.
        counted_days: u32,
    },
    /// A department asked for more working days.
    ExtensionRequested {
        /// The branch.
        branch_id: Uuid,
        /// The request's number.
        number: u32,
        /// Working days asked for.
        days: u32,
    },
    /// A supervisor approved or refused an extension.
    ExtensionDecided {
        /// The branch.
        branch_id: Uuid,
        /// The request's number.
        number: u32,
        /// Approved or refused.
        approved: bool,
    },
    /// A branch's deadline moved.
    DeadlineMoved {
        /// The branch.
        branch_id: Uuid,
        /// Why.
        reason: String,
    },
    /// A branch was assigned to a clerk (or passed to another one).
    BranchAssigned {
        /// The branch.
        branch_id: Uuid,
        /// The clerk who held it, if anyone.
        from: Option<String>,
        /// The clerk who holds it now.
        to: String,
        /// Why.
        reason: String,
    },
    /// Nobody of the branch's post is available: escalated to supervision.
    BranchUnstaffed {
        /// The branch.
        branch_id: Uuid,
        /// The post.
        post: String,
    },
    /// The applicant rated the service. Events are chained by hash and never rewritten, so the
    /// events written before the national levels hold `score` alone; a reader tells them apart
    /// by `satisfaction`, present on every newer one (and then `score` is its stars).
    Rated {
        /// At acceptance or at dispatch.
        stage: RatingStage,
        /// Stars, 1 (very poor) to 5 (very good): `6 - satisfaction`.
        score: u8,
        /// The national code (1 非常满意 … 5 非常不满意); `None` on an event written before it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        satisfaction: Option<Satisfaction>,
        /// Where the rating was given; `None` on an event written before it was recorded.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<RatingChannel>,
        /// The window clerk rated, when the application names one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        clerk_id: Option<String>,
    },
    /// A branch was cancelled.
    BranchCancelled {
        /// The branch.
        branch_id: Uuid,
        /// Why.
        reason: String,
    },
    /// The closing of a joint review session was applied to this application.
    SessionApplied {
        /// The session.
        session_id: Uuid,
    },
    /// A department absent from a joint review session was deemed to consent (缺席默认).
    BranchDeemedConsentByAbsence {
        /// The branch.
        branch_id: Uuid,
        /// The session.
        session_id: Uuid,
        /// The rule applied: `absent from session <id>`.
        rule: String,
    },
    /// A department absent from a session was not deemed to consent: it was notified too late,
    /// or its branch could not be decided then. Its deadline rule still applies.
    BranchAbsenceNotDeemed {
        /// The branch.
        branch_id: Uuid,
        /// The session.
        session_id: Uuid,
        /// Why.
        reason: String,
    },
    /// Every branch has ended.
    ReadyForDispatch,
    /// Every result was handed over.
    Dispatched,
    /// The applicant withdrew.
    Withdrawn {
        /// Why.
        reason: String,
    },
}

impl Event {
    /// The branch the event is about, if any.
    pub fn branch_id(&self) -> Option<Uuid> {
        match self {
            Event::BranchStarted { branch_id }
            | Event::BranchWaiting { branch_id }
            | Event::BranchClaimed { branch_id, .. }
            | Event::BranchReleased { branch_id, .. }
            | Event::BranchDecided { branch_id, .. }
            | Event::BranchDeemedConsent { branch_id, .. }
            | Event::BranchEscalated { branch_id, .. }
            | Event::BranchPaused { branch_id, .. }
            | Event::BranchResumed { branch_id, .. }
            | Event::ExtensionRequested { branch_id, .. }
            | Event::ExtensionDecided { branch_id, .. }
            | Event::DeadlineMoved { branch_id, .. }
            | Event::BranchAssigned { branch_id, .. }
            | Event::BranchUnstaffed { branch_id, .. }
            | Event::BranchDeemedConsentByAbsence { branch_id, .. }
            | Event::BranchAbsenceNotDeemed { branch_id, .. }
            | Event::BranchCancelled { branch_id, .. } => Some(*branch_id),
            _ => None,
        }
    }

    /// A short name, for the store's event table.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Submitted => "submitted",
            Event::MaterialsSupplemented { .. } => "materials_supplemented",
            Event::NoticeIssued { .. } => "notice_issued",
            Event::Accepted { .. } => "accepted",
            Event::BranchStarted { .. } => "branch_started",
            Event::BranchWaiting { .. } => "branch_waiting",
            Event::BranchClaimed { .. } => "branch_claimed",
            Event::BranchReleased { .. } => "branch_released",
            Event::BranchDecided { .. } => "branch_decided",
            Event::BranchDeemedConsent { .. } => "branch_deemed_consent",
            Event::BranchEscalated { .. } => "branch_escalated",
            Event::BranchPaused { .. } => "branch_paused",
            Event::BranchResumed { .. } => "branch_resumed",
            Event::ExtensionRequested { .. } => "extension_requested",
            Event::ExtensionDecided { .. } => "extension_decided",
            Event::DeadlineMoved { .. } => "deadline_moved",
            Event::Rated { .. } => "rated",
            Event::BranchAssigned { .. } => "branch_assigned",
            Event::BranchUnstaffed { .. } => "branch_unstaffed",
            Event::BranchCancelled { .. } => "branch_cancelled",
            Event::SessionApplied { .. } => "session_applied",
            Event::BranchDeemedConsentByAbsence { .. } => "branch_deemed_consent_by_absence",
            Event::BranchAbsenceNotDeemed { .. } => "branch_absence_not_deemed",
            Event::ReadyForDispatch => "ready_for_dispatch",
            Event::Dispatched => "dispatched",
            Event::Withdrawn { .. } => "withdrawn",
        }
    }
}
