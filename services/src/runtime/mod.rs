//! The runtime carries the engine's decisions out: it reads the application, asks the engine,
//! commits the result with its events and idempotency record in one transaction, retries when a
//! concurrent writer got there first, and tells watchers which branches changed.
//!
//! It knows the engine and the store, never the wire: responses are built by the `respond`
//! function the caller passes, and stored for replay as encoded protobuf messages.
//!
//! `shared` holds the parts every clone shares, `clock` the one clock, `idempotency` the keys and
//! their replay, `carry_out` the one read → decide → commit → retry loop, `applications` the
//! commands on applications and `commit` what committing an application's decision involves.

mod applications;
mod carry_out;
mod clock;
mod commit;
mod idempotency;
mod shared;

pub(crate) use carry_out::{Aggregate, KeyLookUp, carry_out};
pub use clock::{Clock, ManualClock, RuntimeClock, SystemClock};
pub use idempotency::Idempotency;
pub use shared::{BranchChange, Runtime};
