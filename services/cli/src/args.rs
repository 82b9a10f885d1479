//! The command line itself: the global `--server` and every subcommand with its flags, as clap
//! reads them. Kept apart from the commands so that the help text is in one place.

mod credentials;
mod session;
mod values;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use credentials::{DevCertsArgs, DevTokenArgs, TokenRole};
pub use session::{ScheduleArgs, SessionAction};
pub use values::{
    ApplicationStateArg, BranchStateArg, Caller, ChannelArg, DecisionArgs, MethodArg,
    SessionKindArg,
};

/// Command-line arguments.
#[derive(Parser)]
#[command(name = "lianban", version, about = "Lianban command-line client")]
pub struct Cli {
    /// Server address.
    #[arg(
        long,
        global = true,
        env = "LIANBAN_SERVER",
        default_value = "http://127.0.0.1:50051"
    )]
    pub server: String,
    /// CA bundle (PEM) that signed the server's certificate: the connection uses TLS (an
    /// `http://` server address is taken as `https://`).
    #[arg(long, global = true, env = "LIANBAN_CA")]
    pub ca: Option<PathBuf>,
    /// Client certificate (PEM) naming this system, with `--key`; needs `--ca`.
    #[arg(long, global = true, env = "LIANBAN_CERT")]
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, global = true, env = "LIANBAN_KEY")]
    pub key: Option<PathBuf>,
    /// Bearer token sent on every call (`authorization: Bearer <token>`).
    #[arg(long, global = true, env = "LIANBAN_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    #[command(subcommand)]
    pub command: Action,
}

/// One subcommand with its arguments.
#[derive(Subcommand)]
pub enum Action {
    /// List the bundles of the catalogue.
    Bundles,
    /// A month's assessment (考核) of departments and window clerks, with the month before.
    Assessment {
        /// The month, YYYY-MM.
        month: String,
        /// Print the CSV a centre files instead of the table.
        #[arg(long)]
        csv: bool,
        /// Write the CSV to this file instead of standard output.
        #[arg(long, requires = "csv")]
        out: Option<PathBuf>,
    },
    /// Show one bundle: its branches, dependencies, limits and materials.
    Bundle {
        /// Bundle code.
        code: String,
    },
    /// Submit an application described in a TOML or JSON file.
    Submit {
        /// The file.
        file: PathBuf,
        /// Idempotency key; defaults to a hash of the file, so submitting the same file twice creates one application.
        #[arg(long)]
        idempotency_key: Option<String>,
        /// Print only the application id.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Hand in missing materials: `--material CODE=DOCUMENT_REF`, repeated.
    Supplement {
        /// Application id or receipt number.
        application: String,
        /// A material as CODE=DOCUMENT_REF.
        #[arg(long = "material", required = true)]
        materials: Vec<String>,
        /// How the applicant came.
        #[arg(long, value_enum, default_value = "on-site")]
        channel: ChannelArg,
    },
    /// Show one application with every branch.
    Show {
        /// Application id or receipt number.
        application: String,
    },
    /// List applications.
    List {
        /// Only this bundle.
        #[arg(long)]
        bundle: Option<String>,
        /// Only this state.
        #[arg(long, value_enum)]
        state: Option<ApplicationStateArg>,
    },
    /// List one department's tasks.
    Tasks {
        /// Department code.
        department: String,
        /// Only this state.
        #[arg(long, value_enum)]
        state: Option<BranchStateArg>,
        /// Only the branches of this application (id).
        #[arg(long)]
        application: Option<String>,
        /// Only this clerk's own queue.
        #[arg(long)]
        clerk: Option<String>,
        /// Print only branch ids.
        #[arg(short, long)]
        quiet: bool,
    },
    /// Claim a branch for a clerk.
    Claim {
        /// Branch id.
        branch: String,
        #[command(flatten)]
        caller: Caller,
    },
    /// Give a claimed branch back to the department's queue (only its holder may).
    Release {
        /// Branch id.
        branch: String,
        #[command(flatten)]
        caller: Caller,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Hand a branch to a named clerk of its post, as a department head or a supervisor.
    #[command(group(clap::ArgGroup::new("role").required(true).args(["head_of", "supervisor"])))]
    Assign {
        /// Branch id.
        branch: String,
        /// The clerk who gets it (the post's A or a B clerk).
        #[arg(long)]
        to: String,
        /// Who directs the hand-over.
        #[arg(long)]
        by: String,
        /// As the head of this department (the branch's).
        #[arg(long)]
        head_of: Option<String>,
        /// As a supervisor.
        #[arg(long)]
        supervisor: bool,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Decide a branch: approve or reject (approval), consent or object (joint review).
    Decide {
        /// Branch id.
        branch: String,
        #[command(flatten)]
        caller: Caller,
        #[command(flatten)]
        decision: DecisionArgs,
        /// Idempotency key; defaults to a hash of the decision, so repeating the command decides once.
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Withdraw an application before dispatch.
    Withdraw {
        /// Application id.
        application: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// List applications ready for dispatch.
    Ready,
    /// List key projects.
    Projects {
        /// Only this facilitator's.
        #[arg(long)]
        facilitator: Option<String>,
    },
    /// Show a key project: every application and branch, its deadline and what it waits for.
    Project {
        /// Project code.
        code: String,
    },
    /// Joint review sessions (联审会 / 联合踏勘): schedule, list, show and close.
    Session {
        #[command(subcommand)]
        action: SessionAction,
    },
    /// Record the one hand-over of every result.
    Dispatch {
        /// Application id.
        application: String,
        /// How.
        #[arg(long, value_enum)]
        method: MethodArg,
        /// Dispatch-window clerk.
        #[arg(long)]
        by: String,
        /// Who received it.
        #[arg(long, default_value = "")]
        recipient: String,
        /// Post tracking number or e-delivery reference.
        #[arg(long, default_value = "")]
        tracking: String,
    },
    /// Export the national data exchange's records (GB/T 39046-2020 datasets) as JSON Lines, from
    /// a cursor until caught up (the exchange role).
    Export {
        /// Start after this cursor (a line's `cursor`); overrides the one in --cursor-file.
        #[arg(long)]
        after: Option<String>,
        /// Start after the cursor stored in this file (none yet: from the start), and store the
        /// cursor there after each page is written and flushed, so a rerun resumes exactly.
        #[arg(long)]
        cursor_file: Option<PathBuf>,
        /// Append the lines to this file instead of writing them to standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write at most this many records, then stop (the cursor says where).
        #[arg(long)]
        max: Option<u64>,
    },
    /// Write a development CA, a server certificate, client certificates (one per department of
    /// the catalogue, front desk and dispatch) and a token signing key with its JWKS.
    DevCerts(DevCertsArgs),
    /// Print a development token signed with the key `dev-certs` wrote.
    DevToken(DevTokenArgs),
}
