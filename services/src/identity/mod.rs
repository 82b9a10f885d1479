//! Identity and access: who calls (`principal`, proved by a client certificate — `certificate`,
//! `tls` — or a bearer token — `tokens`), whether they may call a method (`policy`, one table,
//! default deny), what they may touch inside it (`scope`, used by the handlers), and the tower
//! layer that puts it together for every call (`layer`). `settings` holds `[tls]` and
//! `[identity]`.
//!
//! With neither a client CA nor a token source configured, authentication is off: every call is
//! the open principal (the loopback development start; refused on any other address).

mod certificate;
mod fetch;
mod layer;
mod peer;
mod policy;
mod principal;
mod scope;
mod settings;
mod tls;
mod tokens;

use std::collections::BTreeSet;
use std::sync::Arc;

pub use certificate::{CertificateIdentity, identity_of, parse_uri};
pub use fetch::post_form;
pub use layer::{AuthLayer, AuthService};
pub use peer::PeerInfo;
pub use policy::{Access, POLICY, access, authorize};
pub use principal::{Principal, Proof, Role};
pub use scope::Caller;
pub use settings::{IdentityConfig, TlsConfig, authentication_on, check_provider_url};
pub use tls::server_config;
pub use tokens::TokenVerifier;

use crate::error::Error;

/// Counts a refused call, by method and reason (telemetry's counter, given by the server).
pub type RefusalCounter = Box<dyn Fn(&str, &str) + Send + Sync>;

/// Turns what a call proved into its principal.
pub struct Authenticator {
    on: bool,
    tokens: Option<TokenVerifier>,
    /// The catalogue's department codes: a principal bound to another proves nothing.
    departments: BTreeSet<String>,
    count: RefusalCounter,
}

impl Authenticator {
    /// As configured; says once in the log whether authentication is on.
    pub async fn from_config(
        tls: &TlsConfig,
        identity: &IdentityConfig,
        departments: BTreeSet<String>,
        count: RefusalCounter,
    ) -> Result<Arc<Self>, Error> {
        let on = authentication_on(tls, identity);
        let tokens = match identity.accepts_tokens() {
            true => Some(TokenVerifier::load(identity).await?),
            false => None,
        };
        if on {
            tracing::info!(
                certificates = tls.client_ca.is_some(),
                tokens = tokens.is_some(),
                "authentication is on: every call needs a client certificate or a bearer token"
            );
        } else {
            tracing::warn!(
                "authentication is off: every caller may do everything (loopback only); configure \
                 tls.client_ca or identity.jwks_file to turn it on"
            );
        }
        Ok(Arc::new(Authenticator {
            on,
            tokens,
            departments,
            count,
        }))
    }

    /// The principal of a call: the token's person when a token is sent, else the certificate's
    /// system; the open principal when authentication is off.
    pub async fn principal(
        &self,
        peer: Option<&PeerInfo>,
        token: Option<Result<String, Error>>,
    ) -> Result<Principal, Error> {
        if !self.on {
            return Ok(Principal::open());
        }
        if let Some(token) = token {
            return self.principal_of_token(&token?).await;
        }
        match peer.and_then(|p| p.certificate.as_deref()) {
            Some(Ok(identity)) => {
                let principal = system(identity);
                self.check_department(&principal)?;
                Ok(principal)
            }
            Some(Err(problem)) => Err(Error::Unauthenticated(problem.clone())),
            None => Err(Error::Unauthenticated(
                "no client certificate and no bearer token: every call must prove who makes it"
                    .into(),
            )),
        }
    }

    /// The person a bearer token proves (the gRPC layer's and the console's one way in).
    pub async fn principal_of_token(&self, token: &str) -> Result<Principal, Error> {
        let Some(tokens) = &self.tokens else {
            return Err(Error::Unauthenticated(
                "this server accepts no bearer tokens; present a client certificate".into(),
            ));
        };
        let principal = tokens.verify(token).await.map_err(Error::Unauthenticated)?;
        self.check_department(&principal)?;
        Ok(principal)
    }

    /// Whether people's tokens are verified here.
    pub fn verifies_tokens(&self) -> bool {
        self.tokens.is_some()
    }

    /// A principal bound to a department the catalogue does not know proves nothing usable.
    pub fn check_department(&self, principal: &Principal) -> Result<(), Error> {
        match &principal.department {
            Some(code) if !self.departments.contains(code) => Err(Error::Unauthenticated(format!(
                "{} names department {code}, which the catalogue does not know",
                principal.id
            ))),
            _ => Ok(()),
        }
    }

    /// Counts a refused call.
    pub fn count_refusal(&self, method: &str, reason: &str) {
        (self.count)(method, reason);
    }
}

/// The principal a verified client certificate names.
fn system(identity: &CertificateIdentity) -> Principal {
    let department = (identity.role == Role::Department).then(|| identity.name.clone());
    Principal {
        id: format!("system:{}:{}", identity.role.name(), identity.name),
        name: identity.name.clone(),
        roles: [identity.role].into_iter().collect(),
        department,
        projects: Default::default(),
        proof: Proof::Certificate {
            name: identity.uri.clone(),
            serial: identity.serial.clone(),
        },
    }
}
