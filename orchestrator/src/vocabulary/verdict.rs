//! Verdicts: what a department decides on a branch ([`Verdict`]), and what a closed joint review
//! session means for one ([`SessionVerdict`]).
//!
//! A session yields its verdicts and the engine applies them, so they are defined here, below
//! both, rather than in either.

use crate::application::Decider;

/// A department's decision on a branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Approve with a result reference.
    Approve {
        /// Licence number or result document.
        result_reference: String,
    },
    /// Reject with the reason.
    Reject {
        /// Legal reason.
        reason: String,
    },
    /// Consent, with an optional comment.
    Consent {
        /// Comment.
        comment: String,
    },
    /// Object with reasons.
    Object {
        /// Reasons.
        reasons: String,
    },
}

/// What a closed session means for one branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionVerdict {
    /// The department's standing consent.
    Consent {
        /// Who gave it.
        decider: Decider,
        /// Its comment.
        comment: String,
    },
    /// The department's standing objection.
    Object {
        /// Who gave it.
        decider: Decider,
        /// The reasons.
        reasons: String,
    },
    /// The department was absent: deemed to consent under `rule`.
    Absent {
        /// `absent from session <id>`.
        rule: String,
        /// Invitation and acknowledgement, or its absence.
        evidence: String,
    },
    /// The department was absent but notified too late: the deadline rule applies.
    Excused {
        /// Why.
        reason: String,
    },
}
