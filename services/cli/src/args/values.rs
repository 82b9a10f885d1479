//! The small argument types several subcommands share: who calls, the one decision, and the
//! closed sets of values (channels, hand-over methods, states, session kinds).

use clap::{Args, ValueEnum};

/// Who calls: department and clerk.
#[derive(Args)]
pub struct Caller {
    /// Department code.
    #[arg(long)]
    pub department: String,
    /// Clerk id.
    #[arg(long)]
    pub clerk: String,
}

/// Exactly one decision.
#[derive(Args)]
#[group(required = true, multiple = false)]
pub struct DecisionArgs {
    /// Approve with this result reference (licence number).
    #[arg(long)]
    pub approve: Option<String>,
    /// Reject with this reason.
    #[arg(long)]
    pub reject: Option<String>,
    /// Consent, with an optional comment.
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    pub consent: Option<String>,
    /// Object with these reasons.
    #[arg(long)]
    pub object: Option<String>,
}

/// How the applicant came.
#[derive(Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    OnSite,
    Online,
    Post,
}

/// How the results are handed over.
#[derive(Clone, Copy, ValueEnum)]
pub enum MethodArg {
    OnSite,
    Post,
    Electronic,
}

/// An application state to filter on.
#[derive(Clone, Copy, ValueEnum)]
pub enum ApplicationStateArg {
    AwaitingMaterials,
    InProgress,
    ReadyForDispatch,
    Dispatched,
    Withdrawn,
}

/// A branch state to filter on.
#[derive(Clone, Copy, ValueEnum)]
pub enum BranchStateArg {
    Pending,
    Waiting,
    Open,
    Claimed,
    Approved,
    Rejected,
    Consented,
    Objected,
    Cancelled,
}

/// A meeting or an on-site survey.
#[derive(Clone, Copy, ValueEnum)]
pub enum SessionKindArg {
    Meeting,
    SiteSurvey,
}
