//! The web console: pages for the people who do not write gRPC clients (facilitators,
//! supervisors, small departments, the hall's wall screen), served by the server itself on its
//! own listener with everything built in. Every page calls the same gRPC handlers in process as
//! the signed-in person (`calls`), so the policy and the scope rules are the gRPC API's own.

mod application_records;
mod application_view;
mod applications;
mod assessment;
mod board;
mod calls;
mod catalog;
mod charts;
mod cookies;
mod desk;
mod extensions;
mod filters;
mod home;
mod live;
mod page;
mod person;
mod projects;
mod queue;
mod queue_actions;
mod queue_forms;
mod refusal;
mod serve;
mod signin;
mod state;
mod statistics;
mod supervision;
mod wall;
mod words;

pub use crate::console_settings::{ConsoleConfig, OidcConfig, SignIn};
pub use serve::{bind, serve};
pub use state::Console;
