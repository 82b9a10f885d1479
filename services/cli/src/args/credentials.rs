//! The arguments of the development credential commands, `dev-certs` and `dev-token`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// `lianban dev-certs`.
#[derive(Args)]
pub struct DevCertsArgs {
    /// Folder to write into (created if missing; files of the same names are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// Another name or address the server certificate is for (besides localhost, 127.0.0.1, ::1).
    #[arg(long = "host")]
    pub hosts: Vec<String>,
    /// Catalogue folder whose departments get client certificates; the built-in sample if not given.
    #[arg(long)]
    pub catalogue_dir: Option<PathBuf>,
}

/// `lianban dev-token`.
#[derive(Args)]
pub struct DevTokenArgs {
    /// The signing key `dev-certs` wrote (`<out>/jwt-signing-key.pem`). Named apart from the
    /// global `--key`, the client certificate's key.
    #[arg(long)]
    pub signing_key: PathBuf,
    /// The person's id (`sub`).
    #[arg(long)]
    pub sub: String,
    /// A role, repeated.
    #[arg(long = "role", value_enum, required = true)]
    pub roles: Vec<TokenRole>,
    /// The department code, for the department role.
    #[arg(long)]
    pub department: Option<String>,
    /// A project code, for a facilitator; repeated.
    #[arg(long = "project")]
    pub projects: Vec<String>,
    /// The person's display name.
    #[arg(long)]
    pub name: Option<String>,
    /// How long the token is valid: a number with s, m, h or d.
    #[arg(long, default_value = "8h")]
    pub valid: String,
    /// Issuer (`iss`).
    #[arg(long, default_value = "lianban-dev")]
    pub issuer: String,
    /// Audience (`aud`).
    #[arg(long, default_value = "lianban")]
    pub audience: String,
}

/// A role a token may carry.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenRole {
    FrontDesk,
    Dispatch,
    Department,
    Supervisor,
    Facilitator,
    Admin,
    Auditor,
    Exchange,
}

impl TokenRole {
    /// The role as the `roles` claim spells it.
    pub fn claim(self) -> &'static str {
        match self {
            TokenRole::FrontDesk => "front_desk",
            TokenRole::Dispatch => "dispatch",
            TokenRole::Department => "department",
            TokenRole::Supervisor => "supervisor",
            TokenRole::Facilitator => "facilitator",
            TokenRole::Admin => "admin",
            TokenRole::Auditor => "auditor",
            TokenRole::Exchange => "exchange",
        }
    }
}
