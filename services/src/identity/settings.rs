//! `[tls]` and `[identity]`: the server's certificate, the CA its callers' certificates are
//! checked against, and the identity provider whose tokens it accepts. Both empty is the
//! zero-configuration loopback start, where authentication is off; a non-loopback address needs
//! TLS and at least one identity source (checked in `Config::validate`).

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The server's TLS: certificate chain and key, and the CA bundle client certificates must chain to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM certificate chain of the server, leaf first.
    pub cert: Option<PathBuf>,
    /// PEM private key of the server (PKCS#8, PKCS#1 or SEC1).
    pub key: Option<PathBuf>,
    /// PEM bundle of the CAs that issue department and desk systems' certificates. A caller that
    /// presents no certificate must bring a token instead.
    pub client_ca: Option<PathBuf>,
}

impl TlsConfig {
    /// Whether the server speaks TLS.
    pub fn is_enabled(&self) -> bool {
        self.cert.is_some() || self.key.is_some()
    }

    /// Refuses half a configuration.
    pub fn validate(&self) -> Result<(), Error> {
        match (&self.cert, &self.key) {
            (Some(_), None) => Err(Error::Config("tls.cert is set but tls.key is not".into())),
            (None, Some(_)) => Err(Error::Config("tls.key is set but tls.cert is not".into())),
            (None, None) if self.client_ca.is_some() => Err(Error::Config(
                "tls.client_ca needs the server's own tls.cert and tls.key".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// Where people's tokens come from: the identity provider's keys, issuer and audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// The identity provider's JWKS file (re-read every refresh and when a token names a key it
    /// does not hold; in Kubernetes, a ConfigMap the provider's keys are synced into).
    pub jwks_file: Option<PathBuf>,
    /// Or the identity provider's JWKS URL (https; http only to a loopback address), fetched at
    /// start-up, every refresh and when a token names a key the cache does not hold.
    pub jwks_url: Option<String>,
    /// PEM CA bundle trusted for `jwks_url`; unset: the public web roots.
    pub jwks_ca: Option<PathBuf>,
    /// The shortest time between two reloads caused by tokens naming unknown keys, in seconds.
    pub jwks_min_reload_seconds: u64,
    /// The `iss` every token must carry.
    pub issuer: String,
    /// The `aud` every token must carry.
    pub audience: String,
    /// Seconds between two reloads of the key set.
    pub jwks_refresh_seconds: u64,
    /// Seconds of clock difference tolerated on `exp` and `nbf`.
    pub leeway_seconds: u64,
    /// The claim that lists a person's roles.
    pub roles_claim: String,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            jwks_file: None,
            jwks_url: None,
            jwks_ca: None,
            jwks_min_reload_seconds: 10,
            issuer: String::new(),
            audience: "lianban".to_owned(),
            jwks_refresh_seconds: 300,
            leeway_seconds: 30,
            roles_claim: "roles".to_owned(),
        }
    }
}

impl IdentityConfig {
    /// Whether tokens are accepted.
    pub fn accepts_tokens(&self) -> bool {
        self.jwks_file.is_some() || self.jwks_url.is_some()
    }

    /// The refresh interval of the key set.
    pub fn refresh(&self) -> Duration {
        Duration::from_secs(self.jwks_refresh_seconds.max(1))
    }

    /// Refuses settings that cannot verify a token.
    pub fn validate(&self) -> Result<(), Error> {
        if self.jwks_file.is_some() && self.jwks_url.is_some() {
            return Err(Error::Config(
                "identity: set jwks_file or jwks_url, not both".into(),
            ));
        }
        if let Some(url) = &self.jwks_url {
            check_jwks_url(url)?;
        }
        if self.accepts_tokens() && self.issuer.trim().is_empty() {
            return Err(Error::Config(
                "identity.issuer must name the identity provider whose tokens are accepted".into(),
            ));
        }
        if self.accepts_tokens() && self.audience.trim().is_empty() {
            return Err(Error::Config("identity.audience must not be empty".into()));
        }
        if self.leeway_seconds > 300 {
            return Err(Error::Config(
                "identity.leeway_seconds is at most 300".into(),
            ));
        }
        Ok(())
    }
}

/// A key set URL must be https, or http to a loopback address.
fn check_jwks_url(url: &str) -> Result<(), Error> {
    check_provider_url("identity.jwks_url", url)
}

/// An identity provider's address (`setting` names where it was configured) must be https, or
/// http to a loopback address (a provider on the same host): tokens and keys never cross a
/// network in the clear.
pub fn check_provider_url(setting: &str, url: &str) -> Result<(), Error> {
    let parsed = url::Url::parse(url).map_err(|e| Error::Config(format!("{setting}: {e}")))?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(Error::Config(format!(
            "{setting} must be https (http only to a loopback address)"
        ))),
    }
}

/// Whether callers are authenticated at all: a client CA or a token source configured.
pub fn authentication_on(tls: &TlsConfig, identity: &IdentityConfig) -> bool {
    tls.client_ca.is_some() || identity.accepts_tokens()
}
