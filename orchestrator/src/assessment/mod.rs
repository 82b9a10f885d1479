//! Monthly performance assessment (考核) of each department and each window clerk: the figures a
//! centre's assessment rules score — on-time rate, overdue branches, deemed consents by silence,
//! absences from joint review sessions, complaints received and upheld, negative reviews and the
//! share rectified on time, the one-visit share — and a score from configurable weights, with the
//! previous month beside it for the trend.
//!
//! Pure like the rest of the engine: the caller feeds applications a page at a time, the closed
//! sessions and the supervision cases as plain facts, so the figures of a month can be recomputed
//! at any time from what is stored and tested without a server.
//!
//! Where things are: `month` the calendar month and its dates; `facts` what a supervision case
//! contributes; `figures` the tallies of one subject; `builder` who counts what; `weights` the
//! scoring rule.

mod builder;
mod facts;
mod figures;
mod month;
mod weights;

#[cfg(test)]
mod tests;

pub use builder::{Assessment, AssessmentBuilder, AssessmentRow};
pub use facts::{CaseFact, CaseFactKind};
pub use figures::Figures;
pub use month::Month;
pub use weights::{AssessmentWeights, WeightsError};
