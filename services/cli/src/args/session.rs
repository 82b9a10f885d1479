//! The `lianban session` subcommands: schedule, list, show and close joint review sessions.

use clap::{Args, Subcommand};

use super::values::{Caller, SessionKindArg};

/// What to do with joint review sessions.
#[derive(Subcommand)]
pub enum SessionAction {
    /// Schedule a session and invite the departments of its joint-review branches.
    Schedule(ScheduleArgs),
    /// List sessions.
    List {
        /// Only sessions this department leads or is invited to.
        #[arg(long)]
        department: Option<String>,
        /// Only sessions reviewing this application (id or receipt number).
        #[arg(long)]
        application: Option<String>,
        /// Only sessions of this key project.
        #[arg(long)]
        project: Option<String>,
    },
    /// Show one session: invitations, acknowledgements, opinions and outcomes.
    Show {
        /// Session id.
        session: String,
    },
    /// Close a session with its minutes; absent departments are deemed to consent.
    Close {
        /// Session id.
        session: String,
        /// The lead department and its clerk.
        #[command(flatten)]
        caller: Caller,
        /// The minutes.
        #[arg(long)]
        minutes: String,
    },
}

/// A session to schedule: one struct, because it has more flags than a function should take.
#[derive(Args)]
pub struct ScheduleArgs {
    /// Application id or receipt number; repeat for several applications of one key project.
    #[arg(long = "application", required = true)]
    pub applications: Vec<String>,
    /// The lead department and its clerk.
    #[command(flatten)]
    pub caller: Caller,
    /// Meeting or on-site survey.
    #[arg(long, value_enum, default_value = "meeting")]
    pub kind: SessionKindArg,
    /// Start, `YYYY-MM-DD HH:MM` in China Standard Time.
    #[arg(long)]
    pub starts: String,
    /// End, `YYYY-MM-DD HH:MM` in China Standard Time.
    #[arg(long)]
    pub ends: String,
    /// Place or meeting link.
    #[arg(long)]
    pub place: String,
    /// Only these branches (default: every joint review still to decide).
    #[arg(long = "branch")]
    pub branches: Vec<String>,
    /// Invite these departments (default: the departments of the branches).
    #[arg(long = "invite")]
    pub invite: Vec<String>,
}
