//! Tests of the engine's rules on a small catalogue, by subject, and a property test of the state
//! machines. The fixtures are shared with the session tests.

mod assignment;
mod clock;
mod decisions;
pub(crate) mod fixtures;
mod handover;
mod intake;
mod properties;
mod ratings;
