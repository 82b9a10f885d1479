//! The engine: commands in, a new application and the events that happened out.
//!
//! Every function here takes the current application (or nothing, for a submission), the
//! catalogue, the command and the time, and returns either an error value — in which case nothing
//! changed — or a [`Decision`]: the whole new application and the list of events, in order. The
//! engine never reads a clock, a database or the network; the services crate does that around it.
//!
//! Where things are, from the command down:
//!
//! - `execute`: the dispatch of a [`Command`] to its handler; `change`: the copy it works on.
//! - `intake`: submission, the one-time notice, acceptance and withdrawal; `supplement`:
//!   materials handed in later; `checks`: the checks of what the applicant hands in.
//! - `decisions`: claiming and deciding a branch; `sessions`: applying a closed joint review.
//! - `deadlines`, `pauses`, `extensions`: a branch's clock, and acting when it runs out.
//! - `dispatch`: handing every result over, and the applicant's rating.
//! - `progress`: branches starting, unblocking and cancelling one another; `assignment`: which
//!   clerk holds a branch; `handover`: a clerk releasing a claim and a directed hand-over;
//!   `transitions`: the state machines every move goes through.
//!
//! The vocabulary it shares with the sessions and the notices — commands, verdicts, events,
//! [`Rules`] and receipt numbers — lives in `crate::vocabulary` and is re-exported here.

mod assignment;
mod change;
mod checks;
mod deadlines;
mod decisions;
mod dispatch;
mod execute;
mod extensions;
mod handover;
mod intake;
mod pauses;
mod progress;
mod sessions;
mod supplement;
mod transitions;

#[cfg(test)]
pub(crate) mod tests;

pub use deadlines::deadlines_passed;
pub use decisions::role_name;
pub use execute::execute;
pub use intake::{missing_materials, submit};
pub use pauses::MAX_EXPECTED_DAYS;

pub use crate::vocabulary::{
    AssignerRole, Command, Decision, Event, MAX_TEXT_CHARS, Rules, Submit, Verdict,
    is_receipt_number, receipt_number,
};
