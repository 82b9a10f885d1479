//! Limits that protect the service from its callers: the `[limits]` settings (`settings`), the
//! tower layer that refuses calls and streams beyond them with `RESOURCE_EXHAUSTED` /
//! `LIMIT_EXCEEDED` (`layer`, counting in `slots`), and the accepted connections' socket options and
//! preface deadline (`connection`).

mod connection;
mod layer;
mod settings;
mod slots;

pub use connection::{Accepted, Connection, Incoming, accept};
pub use layer::{LimitLayer, LimitService, SERVER_STREAMS};
pub use settings::LimitsConfig;
