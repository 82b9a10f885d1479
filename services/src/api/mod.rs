//! The gRPC services of `lianban.v1`, one file each: intake, tasks, dispatch, catalog, admin,
//! supervision, notifications, projects, staff, statistics, sessions, cases, exchange and the
//! monthly assessment; and `health`, the
//! standard health service whose watch streams end when the server stops.
//!
//! Each handler is thin: it checks the request's shape (through `convert`), turns it into an
//! engine command, lets the runtime carry it out, and answers. What handlers share lives once:
//! `answers` (the reply, the view, a page of applications), `keys` (idempotency keys and their
//! scopes), `checks` (fields checked against the catalogue), `commands` (the one way a command on
//! an application, a branch or a session is carried out and answered) and `streams` (server
//! streams fed by a task). Errors become status codes only through `From<Error> for Status`.

mod admin;
mod answers;
mod assessment;
mod cases;
mod catalog;
mod checks;
mod commands;
mod dispatch;
mod exchange;
mod health;
mod intake;
mod keys;
mod notifications;
mod project_feed;
mod projects;
mod sessions;
mod staff;
mod statistics;
mod streams;
mod supervision;
mod task_feed;
mod tasks;
mod visibility;

pub use admin::AdminApi;
pub use assessment::AssessmentApi;
pub use cases::CaseApi;
pub use catalog::CatalogApi;
pub use dispatch::DispatchApi;
pub use exchange::ExchangeApi;
pub use health::HealthApi;
pub use intake::IntakeApi;
pub use notifications::NotificationApi;
pub use projects::ProjectApi;
pub use sessions::SessionApi;
pub use staff::StaffApi;
pub use statistics::StatisticsApi;
pub use supervision::SupervisionApi;
pub use tasks::TaskApi;
