//! The audit trail (全过程留痕): `chain` verifies an application's chain of events, `keys` reads
//! the `[audit]` configuration (the keys that sign the chain and until when unkeyed links are
//! accepted).

mod chain;
pub mod keys;

pub use chain::{Verification, verify};
pub use keys::{AuditConfig, InlineKey};
