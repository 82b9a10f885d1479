//! `[console]`: where the web console listens, the address people open it at, and the centre's
//! OpenID Connect provider it signs people in through. Without a provider, and only while
//! authentication is off on a loopback server, a development sign-in lets a person pick a role.
//! Kept beside `config` rather than inside `console/`, so that reading the configuration never
//! depends on the pages (which depend on the API, which reads the configuration).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The web console's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConsoleConfig {
    /// Whether the server serves the console at all.
    pub enabled: bool,
    /// Where it listens (plain HTTP: off loopback, behind the centre's TLS reverse proxy).
    pub listen: SocketAddr,
    /// The address people's browsers open (`https://…` behind a proxy); the sign-in's
    /// `redirect_uri` is this followed by `/signin/callback`. Unset: `http://<listen>`.
    pub public_url: Option<String>,
    /// The centre's OpenID Connect provider; its tokens are verified as `[identity]` says.
    pub oidc: Option<OidcConfig>,
}

/// The OpenID Connect provider's endpoints and the console's client registration there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcConfig {
    /// Where the browser is sent to sign in (authorization code flow with PKCE).
    pub authorization_endpoint: String,
    /// Where the console exchanges the code for tokens (https; http only to loopback).
    pub token_endpoint: String,
    /// The console's client id at the provider.
    pub client_id: String,
    /// A file holding the client secret, for providers that want a confidential client.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// The scopes asked for.
    #[serde(default = "default_scope")]
    pub scope: String,
    /// PEM CA bundle trusted for `token_endpoint`; unset: `identity.jwks_ca`, else the web roots.
    #[serde(default)]
    pub token_ca: Option<PathBuf>,
}

fn default_scope() -> String {
    "openid".to_owned()
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        ConsoleConfig {
            enabled: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            oidc: None,
        }
    }
}

/// How people sign in to a console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Through the provider (authorization code with PKCE).
    Provider,
    /// Picking a role and a department (authentication off, loopback only).
    Development,
}

impl ConsoleConfig {
    /// How people sign in (`None`: the console is not served), or why this console cannot be
    /// served: a provider needs the server to verify tokens, and without one the console may only
    /// run where nobody is authenticated anyway (loopback, authentication off). A server that
    /// authenticates but names no provider serves no console rather than an open one.
    pub fn sign_in(
        &self,
        tokens_verified: bool,
        authentication_on: bool,
    ) -> Result<Option<SignIn>, Error> {
        if !self.enabled {
            return Ok(None);
        }
        match &self.oidc {
            Some(oidc) => {
                if !tokens_verified {
                    return Err(Error::Config(
                        "console.oidc needs identity.jwks_file or identity.jwks_url and \
                         identity.issuer: the console verifies the provider's tokens with them"
                            .into(),
                    ));
                }
                oidc.validate()?;
                Ok(Some(SignIn::Provider))
            }
            None if !self.listen.ip().is_loopback() => Err(Error::Config(format!(
                "console.listen {} is off loopback: set console.oidc (and authentication), or \
                 listen on 127.0.0.1",
                self.listen
            ))),
            None if authentication_on => Ok(None),
            None => Ok(Some(SignIn::Development)),
        }
    }

    /// The address browsers open, without a trailing slash.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{bound}"),
        }
    }

    /// Whether cookies must be `Secure` (the console is opened over https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }

    /// Refuses settings that cannot work, before anything listens.
    pub fn validate(&self, tokens_verified: bool, authentication_on: bool) -> Result<(), Error> {
        if let Some(url) = self.public_url.as_ref().filter(|_| self.enabled) {
            let parsed = url::Url::parse(url)
                .map_err(|e| Error::Config(format!("console.public_url: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(Error::Config(
                    "console.public_url must be http:// or https://".into(),
                ));
            }
        }
        self.sign_in(tokens_verified, authentication_on).map(|_| ())
    }
}

impl OidcConfig {
    fn validate(&self) -> Result<(), Error> {
        if self.client_id.trim().is_empty() {
            return Err(Error::Config(
                "console.oidc.client_id must not be empty".into(),
            ));
        }
        for (name, url) in [
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
        ] {
            crate::identity::check_provider_url(&format!("console.oidc.{name}"), url)?;
        }
        Ok(())
    }

    /// The client secret, read from its file when one is configured.
    pub fn client_secret(&self) -> Result<Option<String>, Error> {
        match &self.client_secret_file {
            Some(path) => std::fs::read_to_string(path)
                .map(|text| Some(text.trim().to_owned()))
                .map_err(|e| {
                    Error::Config(format!(
                        "console.oidc.client_secret_file {}: {e}",
                        path.display()
                    ))
                }),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> OidcConfig {
        OidcConfig {
            authorization_endpoint: "https://idp.example/authorize".into(),
            token_endpoint: "https://idp.example/token".into(),
            client_id: "lianban-console".into(),
            client_secret_file: None,
            scope: default_scope(),
            token_ca: None,
        }
    }

    #[test]
    fn development_sign_in_only_on_an_open_loopback_server() {
        let console = ConsoleConfig::default();
        assert_eq!(
            console.sign_in(false, false).unwrap(),
            Some(SignIn::Development)
        );
        assert_eq!(console.sign_in(true, true).unwrap(), None);
        let exposed = ConsoleConfig {
            listen: "0.0.0.0:8080".parse().unwrap(),
            ..ConsoleConfig::default()
        };
        assert!(exposed.sign_in(false, false).is_err());
    }

    #[test]
    fn a_provider_needs_token_verification_and_safe_endpoints() {
        let mut console = ConsoleConfig {
            oidc: Some(provider()),
            ..ConsoleConfig::default()
        };
        assert!(console.sign_in(false, false).is_err());
        assert_eq!(console.sign_in(true, true).unwrap(), Some(SignIn::Provider));
        console.oidc.as_mut().unwrap().token_endpoint = "http://idp.example/token".into();
        assert!(console.sign_in(true, true).is_err());
        console.oidc.as_mut().unwrap().token_endpoint = "http://127.0.0.1:9/token".into();
        assert!(console.sign_in(true, true).is_ok());
    }

    #[test]
    fn cookies_are_secure_behind_https() {
        let console = ConsoleConfig {
            public_url: Some("https://console.centre.gov.cn/".into()),
            ..ConsoleConfig::default()
        };
        assert!(console.secure_cookies());
        assert_eq!(
            console.public_url("127.0.0.1:8080".parse().unwrap()),
            "https://console.centre.gov.cn"
        );
        assert!(!ConsoleConfig::default().secure_cookies());
    }
}
