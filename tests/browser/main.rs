//! Browser tests of the web console: each test starts its own server (console on 127.0.0.1:0),
//! its own fake OpenID Connect provider and a headless Chromium, and checks what people see and
//! do in the console against what the same server answers over gRPC. Scenarios that depend on
//! the store run on SQLite and on PostgreSQL alike.

/// One test per backend, for the scenario modules (`use crate::on_every_backend;`).
pub use lianban_tests::on_every_backend;

mod accessibility;
mod assessment;
mod board;
mod harness;
mod queue;
mod refusals;
mod signin;
mod supervision;
mod support;
