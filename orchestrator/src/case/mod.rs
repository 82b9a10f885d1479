//! Supervision cases: complaints (投诉) lodged against an application, a department, a window or
//! a clerk, and the rectification (整改) of a negative review (差评), which a rating opens by
//! itself. Both are routed to a responsible department with a deadline in working days; the
//! department replies (or, against a review, appeals: 申诉); supervision rules, decides appeals
//! and closes; the call-back to the person (回访) is recorded before closing where it is required.
//! A case with no reply by its deadline turns red and is escalated to supervision once.
//!
//! A case is its own aggregate with its own transition table, shared by the two kinds: `model` is
//! the aggregate and `state` its table; `policy` the deadlines; `commands` the commands and what
//! they yield; `execute` carries them out; `notices` who must hear of each step. Whether a
//! rating is negative and names its rater is the rating's own business (`crate::rating`).

mod commands;
mod execute;
mod model;
mod notices;
mod policy;
mod state;

#[cfg(test)]
mod tests;

pub use commands::{CaseCommand, CaseDecision, CaseEvent, OpenCase};
pub use execute::{execute, open};
pub use model::{
    Appeal, AppealDecision, CallBack, Case, CaseOutcome, Channel, Closing, Complainant,
    ComplainantKind, RatedService, Reply, Ruling, Subject,
};
pub use notices::notices;
pub use policy::CasePolicy;
pub use state::{CASE_TRANSITIONS, CaseKind, CaseState, CaseTrigger};
