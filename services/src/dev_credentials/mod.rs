//! Development credentials: a throw-away certificate authority, a server certificate, client
//! certificates naming their principal (`lianban:<role>:<name>` in a SAN URI), and a JWT signing
//! key with its JWKS and a token minter. The `lianban dev-certs` and `lianban dev-token` commands
//! and the server's tests make their certificates and tokens with these functions; nothing here
//! is meant for production, where the centre's own CA and identity provider issue them.
//!
//! The module is self-contained (it names nothing else of this crate), so the command-line client
//! compiles the same files without linking the server. Failures are messages naming what failed.

mod authority;
mod files;
mod principal;
mod tokens;

pub use authority::{ClientCredential, DevCredentials};
pub use principal::{CLIENT_ROLES, Principal, TOKEN_ROLES};
pub use tokens::{
    Claims, DEFAULT_AUDIENCE, DEV_ISSUER, TokenMint, jwk_set, tampered, unix_now, unsigned,
};
