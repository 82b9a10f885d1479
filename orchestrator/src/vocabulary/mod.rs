//! The words the engine, the joint review sessions and the notices share: what a command is
//! decided with, how long free text may be, the commands and verdicts, the events, and receipt
//! numbers.
//!
//! They sit below all three on purpose. The engine applies the verdicts a session's closing
//! yields, the notices read the events the engine produced, and sessions check text as the engine
//! does; with the vocabulary here none of them has to reach into another for it.

mod command;
mod event;
mod receipt;
mod rules;
mod verdict;

pub use command::{AssignerRole, Command, Decision, Submit};
pub use event::Event;
pub use receipt::{is_receipt_number, receipt_number};
pub use rules::{MAX_TEXT_CHARS, Rules};
pub(crate) use rules::{limit_text, require_text};
pub use verdict::{SessionVerdict, Verdict};
