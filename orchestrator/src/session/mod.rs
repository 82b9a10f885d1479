//! Joint review sessions (联审会, 联合踏勘): the lead department convenes the departments of
//! joint-review branches, each acknowledges its invitation (签收), gives its opinion or sends a
//! delegate, and the lead closes the session with its minutes. A department that neither attended
//! nor gave an opinion by the closing is deemed to consent on its branches (缺席默认) — unless it
//! was invited too late to be bound by its absence.
//!
//! A session is its own aggregate with its own transition table, because one session may review
//! branches of several applications of one key project. Closing decides what each department's
//! branches get ([`Session::verdicts`]); each application applies that once through
//! [`crate::engine::Command::ApplySession`], so a crash between the two never loses or repeats it.
//!
//! Where things are: `model` is the aggregate and `state` its transition table; `policy` how the
//! centre runs sessions; `commands` the commands and what they yield; `schedule` and `execute`
//! carry the commands out, with `rules` the checks they share and `closing` the outcome of each
//! department; `verdicts` what a closing means for each branch; `notices` who must hear of it.

mod closing;
mod commands;
mod execute;
mod model;
mod notices;
mod policy;
mod rules;
mod schedule;
mod state;
mod verdicts;

#[cfg(test)]
mod tests;

pub use commands::{ScheduleSession, SessionCommand, SessionDecision, SessionEvent};
pub use execute::execute;
pub use model::{
    Acknowledgement, Attendance, Cancellation, Closing, DepartmentOutcome, Invitation, Opinion,
    OpinionKind, Reschedule, Session, SessionItem, SessionKind,
};
pub use notices::notices;
pub use policy::SessionPolicy;
pub use schedule::schedule;
pub use state::{SESSION_TRANSITIONS, SessionState, SessionTrigger};

pub use crate::vocabulary::SessionVerdict;
