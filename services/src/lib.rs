//! Lianban's adapters and the server: the sea-orm store, the runtime and the gRPC services.
//!
//! The engine (`lianban-orchestrator`) decides; this crate reads and writes the store, keeps the
//! time, serves gRPC, and turns engine errors into status codes in one place (`error`).

pub mod api;
pub mod assessment;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod config;
pub mod console;
pub mod console_settings;
pub mod convert;
pub mod deadlines;
pub mod dev_credentials;
pub mod documents;
pub mod error;
pub mod exchange;
pub mod exchange_settings;
pub mod follow;
pub mod health;
pub mod identity;
pub mod limits;
pub mod listing;
pub mod logging;
pub mod probe;
pub mod runtime;
pub mod server;
pub mod sessions;
pub mod staff;
pub mod store;
pub mod supervision;
pub mod telemetry;

pub use config::Config;
pub use error::Error;
pub use server::Prepared;
