//! Black-box tests of Lianban over real gRPC: each test starts its own server on 127.0.0.1:0 and
//! drives it the way the front desk, department systems and the dispatch window do. Scenarios run
//! on SQLite and on PostgreSQL alike.

/// One test per backend, for the scenario modules (`use crate::on_every_backend;`).
pub use lianban_tests::on_every_backend;

mod assessment;
mod audit;
mod backup;
mod cases;
mod catalog;
mod credentials;
mod deadlines;
mod decisions;
mod errors;
mod exchange;
mod handover;
mod health;
mod hostile;
mod idempotency;
mod identity;
mod intake;
mod lifecycle;
mod limits;
mod notifications;
mod oversight;
mod paging;
mod projects;
mod ratings;
mod readme;
mod replicas;
mod sessions;
mod shared_state;
mod staff;
mod statistics;
mod store;
mod support;
mod watch_pages;
