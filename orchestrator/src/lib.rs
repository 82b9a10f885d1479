//! The Lianban engine: the catalogue, the application and branch state machines, and the rules
//! that move them.
//!
//! This crate is pure on purpose: no async runtime, no network, no database, and no clock. Time
//! and new ids come in as arguments; a command yields either an error value (nothing changed) or
//! the new application with the events that happened. That makes every rule of the domain
//! testable in microseconds, and leaves the services crate to carry decisions out.

pub mod application;
pub mod assessment;
pub mod calendar;
pub mod case;
pub mod catalogue;
pub mod engine;
pub mod error;
pub mod identity;
pub mod machine;
pub mod notify;
pub mod rating;
pub mod session;
pub mod staffing;
pub mod statistics;
mod vocabulary;
pub mod warning;

pub use application::Application;
pub use calendar::{Calendar, Deadline};
pub use catalogue::Catalogue;
pub use engine::{Command, Decision, Event, Rules, Submit, Verdict};
pub use error::{CalendarError, CatalogueError, EngineError};
pub use machine::{ApplicationState, BranchState};
pub use session::{Session, SessionCommand, SessionPolicy};
