//! People's bearer tokens: JWTs of the centre's identity provider, verified against its key set
//! (a JWKS file or URL, cached by `kid`, reloaded every refresh and when a token names a key the
//! cache does not hold, at most once per `identity.jwks_min_reload_seconds`, so that a stream of
//! made-up `kid`s cannot make the server hammer its identity provider). Only asymmetric algorithms are accepted,
//! and only the family of the key the `kid` names, so a public key can never serve as an HMAC
//! secret; `exp`, `iss`, `aud` and `sub` are required, `nbf` is checked when present, and a claim
//! of the wrong type is refused (jsonwebtoken ≥ 10.3).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::RwLock;

use super::principal::{Principal, Proof, Role};
use super::settings::IdentityConfig;
use crate::error::Error;

/// The asymmetric algorithms a token may be signed with.
const ACCEPTED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Why a token is refused: said to the caller as UNAUTHENTICATED.
pub type Refusal = String;

/// The claims Lianban reads beyond the registered ones.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    department: Option<String>,
    #[serde(default)]
    projects: Vec<String>,
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}

/// Verifies tokens against the identity provider's keys.
pub struct TokenVerifier {
    config: IdentityConfig,
    keys: RwLock<Loaded>,
}

struct Loaded {
    set: JwkSet,
    at: Instant,
}

impl TokenVerifier {
    /// Loads the key set once, so that a missing file or an unreachable provider stops start-up.
    pub async fn load(config: &IdentityConfig) -> Result<Self, Error> {
        let set = fetch(config).await.map_err(Error::Config)?;
        tracing::info!(keys = set.keys.len(), issuer = %config.issuer, "token keys loaded");
        Ok(TokenVerifier {
            config: config.clone(),
            keys: RwLock::new(Loaded {
                set,
                at: Instant::now(),
            }),
        })
    }

    /// The principal a bearer token proves, or why it proves nothing.
    pub async fn verify(&self, token: &str) -> Result<Principal, Refusal> {
        let header = decode_header(token).map_err(|e| format!("the token is malformed: {e}"))?;
        let kid = header.kid.ok_or("the token names no key (kid)")?;
        if !ACCEPTED.contains(&header.alg) {
            return Err(format!(
                "tokens signed with {:?} are not accepted",
                header.alg
            ));
        }
        let key = self.key(&kid).await?;
        let (decoding, family) = decoding_key(&key)?;
        if !family.contains(&header.alg) {
            return Err(format!(
                "the token's algorithm {:?} does not fit key {kid}",
                header.alg
            ));
        }
        let mut validation = Validation::new(header.alg);
        validation.algorithms = vec![header.alg];
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.config.leeway_seconds;
        let data = decode::<Claims>(token, &decoding, &validation)
            .map_err(|e| format!("the token is not valid: {e}"))?;
        principal(&self.config, data.claims)
    }

    /// The key `kid` names, reloading the set when it is stale or does not hold it.
    async fn key(&self, kid: &str) -> Result<jsonwebtoken::jwk::Jwk, Refusal> {
        {
            let loaded = self.keys.read().await;
            let fresh = loaded.at.elapsed() < self.config.refresh();
            if let Some(key) = loaded.set.find(kid).filter(|_| fresh) {
                return Ok(key.clone());
            }
        }
        let mut loaded = self.keys.write().await;
        let stale = loaded.at.elapsed() >= self.config.refresh();
        let least = Duration::from_secs(self.config.jwks_min_reload_seconds);
        if stale || (loaded.set.find(kid).is_none() && loaded.at.elapsed() >= least) {
            match fetch(&self.config).await {
                Ok(set) => {
                    *loaded = Loaded {
                        set,
                        at: Instant::now(),
                    };
                }
                // Keep the keys we have: a provider that is down must not lock everyone out, and
                // the next try waits a refresh, so that calls do not each wait on a dead provider.
                Err(error) => {
                    tracing::warn!(%error, "token keys not reloaded; the cached keys stay");
                    loaded.at = Instant::now();
                }
            }
        }
        loaded
            .set
            .find(kid)
            .cloned()
            .ok_or_else(|| format!("the token's key {kid} is not one of the identity provider's"))
    }
}

/// The decoding key of a JWK and the algorithms its family allows; symmetric keys are refused.
fn decoding_key(
    key: &jsonwebtoken::jwk::Jwk,
) -> Result<(DecodingKey, &'static [Algorithm]), Refusal> {
    let family: &'static [Algorithm] = match &key.algorithm {
        AlgorithmParameters::RSA(_) => &ACCEPTED[..6],
        AlgorithmParameters::EllipticCurve(_) => &ACCEPTED[6..8],
        AlgorithmParameters::OctetKeyPair(_) => &ACCEPTED[8..],
        _ => return Err("only RSA, EC and OKP keys are accepted for tokens".to_owned()),
    };
    let decoding =
        DecodingKey::from_jwk(key).map_err(|e| format!("the identity provider's key: {e}"))?;
    Ok((decoding, family))
}

/// The principal verified claims name: roles from the configured claim (unknown names are
/// ignored), the department for the department role, the projects for the facilitator role.
fn principal(config: &IdentityConfig, claims: Claims) -> Result<Principal, Refusal> {
    let sub = claims.sub.trim();
    if sub.is_empty() || sub.len() > 64 || sub.chars().any(char::is_control) {
        return Err("the token's sub must be 1–64 characters".to_owned());
    }
    let roles: BTreeSet<Role> = match claims.rest.get(&config.roles_claim) {
        Some(serde_json::Value::Array(names)) => names
            .iter()
            .filter_map(|n| n.as_str().and_then(Role::parse))
            .collect(),
        Some(_) => {
            return Err(format!(
                "the token's {} claim is not a list",
                config.roles_claim
            ));
        }
        None => BTreeSet::new(),
    };
    let department = claims
        .department
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    if roles.contains(&Role::Department) && department.is_none() {
        return Err("a token with the department role must name its department".to_owned());
    }
    Ok(Principal {
        id: format!("person:{sub}"),
        name: sub.to_owned(),
        roles,
        department,
        projects: claims
            .projects
            .into_iter()
            .map(|p| p.trim().to_owned())
            .collect(),
        proof: Proof::Token {
            issuer: config.issuer.clone(),
        },
    })
}

/// Reads the key set from the file or the URL the configuration names.
async fn fetch(config: &IdentityConfig) -> Result<JwkSet, String> {
    let text = match (&config.jwks_file, &config.jwks_url) {
        (Some(path), _) => tokio::fs::read_to_string(path)
            .await
            .map_err(|e| format!("identity.jwks_file {}: {e}", path.display()))?,
        (None, Some(url)) => super::fetch::get(url, config.jwks_ca.as_deref()).await?,
        (None, None) => return Err("no key set configured (identity.jwks_file)".to_owned()),
    };
    serde_json::from_str(&text).map_err(|e| format!("the key set is not a JWKS: {e}"))
}
