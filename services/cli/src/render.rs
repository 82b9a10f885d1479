//! Everything the CLI prints: tables laid out by display width, names for wire values, masked
//! identifiers, and one readable page or table per kind of answer. Pure functions from proto
//! messages to text, so they are tested without a server.

mod application;
mod assessment;
mod catalogue;
mod deadline;
mod mask;
mod names;
mod project;
mod session;
mod table;
mod tasks;

pub use application::{render_application, render_applications};
pub use assessment::render_assessment;
pub use catalogue::{render_bundle, render_bundles};
pub use names::{application_state_name, branch_state_name};
pub use project::{render_project, render_projects};
pub use session::{render_session, render_sessions};
pub use tasks::render_tasks;
