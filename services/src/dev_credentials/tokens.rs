//! Bearer tokens for development and tests: the JWKS of an ES256 signing key, and a minter of
//! signed JWTs with the claims the server reads (`iss`, `aud`, `sub`, `exp`, `nbf`, `iat`,
//! `name`, `roles`, `department`, `projects`). Tests also need tokens the server must refuse:
//! expired or not yet valid ones (through the claims' times), wrong issuer or audience (through
//! their fields), an unsigned one (`alg: none`) and one whose payload was changed after signing.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::{Deserialize, Serialize};

/// The issuer of development tokens.
pub const DEV_ISSUER: &str = "lianban-dev";
/// The audience the server expects unless configured otherwise.
pub const DEFAULT_AUDIENCE: &str = "lianban";

/// The claims of a Lianban token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The person's id.
    pub sub: String,
    /// Expiry, Unix seconds.
    pub exp: i64,
    /// Not before, Unix seconds.
    pub nbf: i64,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// The person's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Roles, from [`super::TOKEN_ROLES`].
    #[serde(default)]
    pub roles: Vec<String>,
    /// The department code, for the department role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Project codes, for facilitators.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
}

/// Signs tokens with one ES256 key for one issuer and audience.
pub struct TokenMint {
    key: EncodingKey,
    kid: String,
    issuer: String,
    audience: String,
}

impl TokenMint {
    /// A minter for the PKCS#8 PEM `signing_key_pem` (ES256), announcing `kid` in each header.
    pub fn new(
        signing_key_pem: &str,
        kid: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<TokenMint, String> {
        let key = EncodingKey::from_ec_pem(signing_key_pem.as_bytes())
            .map_err(|e| format!("the signing key is not an ES256 PEM key: {e}"))?;
        Ok(TokenMint {
            key,
            kid: kid.to_owned(),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// A minter for the PEM key whose `kid` is its JWK thumbprint (as `jwks.json` says), for
    /// the development issuer and the default audience.
    pub fn development(signing_key_pem: &str) -> Result<TokenMint, String> {
        let (kid, _) = jwk_set(signing_key_pem)?;
        TokenMint::new(signing_key_pem, &kid, DEV_ISSUER, DEFAULT_AUDIENCE)
    }

    /// The `kid` this minter puts in its headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Claims for `sub` with `roles`, issued now and valid for `valid_seconds`; the other
    /// fields are public, to be set (or spoiled) before [`TokenMint::token`].
    pub fn claims(&self, sub: &str, roles: &[&str], valid_seconds: i64) -> Claims {
        self.claims_at(sub, roles, unix_now(), valid_seconds)
    }

    /// Claims as [`TokenMint::claims`], issued at `issued_at` (Unix seconds).
    pub fn claims_at(&self, sub: &str, roles: &[&str], issued_at: i64, valid: i64) -> Claims {
        Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_owned(),
            exp: issued_at + valid,
            nbf: issued_at,
            iat: issued_at,
            name: None,
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
            department: None,
            projects: Vec::new(),
        }
    }

    /// The signed JWT (ES256, `kid` in the header) of `claims`.
    pub fn token(&self, claims: &Claims) -> Result<String, String> {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(|e| format!("signing: {e}"))
    }

    /// A signed token for `sub` and `roles` that expired an hour ago.
    pub fn expired(&self, sub: &str, roles: &[&str]) -> Result<String, String> {
        self.token(&self.claims_at(sub, roles, unix_now() - 7200, 3600))
    }

    /// A signed token for `sub` and `roles` that becomes valid in an hour.
    pub fn not_yet_valid(&self, sub: &str, roles: &[&str]) -> Result<String, String> {
        self.token(&self.claims_at(sub, roles, unix_now() + 3600, 3600))
    }
}

/// An unsigned token (`alg: none`, empty signature) of `claims`, which a server must refuse.
pub fn unsigned(claims: &Claims) -> String {
    let header = serde_json::json!({ "alg": "none", "typ": "JWT" });
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(serde_json::to_string(claims).unwrap_or_default())
    )
}

/// `token` with its payload replaced by `claims` and its header and signature kept: a token a
/// server must refuse because the signature no longer matches.
pub fn tampered(token: &str, claims: &Claims) -> String {
    let mut parts = token.splitn(3, '.');
    let header = parts.next().unwrap_or_default();
    let _payload = parts.next();
    let signature = parts.next().unwrap_or_default();
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_string(claims).unwrap_or_default());
    format!("{header}.{payload}.{signature}")
}

/// The `kid` (the JWK's SHA-256 thumbprint) and the JWKS text (`{"keys": [...]}`) of the public
/// half of a PKCS#8 PEM ES256 signing key.
pub fn jwk_set(signing_key_pem: &str) -> Result<(String, String), String> {
    let key = EncodingKey::from_ec_pem(signing_key_pem.as_bytes())
        .map_err(|e| format!("the signing key is not an ES256 PEM key: {e}"))?;
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::ES256)
        .map_err(|e| format!("the signing key's public half: {e}"))?;
    let kid = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| format!("the signing key's thumbprint: {e}"))?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    let set = JwkSet { keys: vec![jwk] };
    let text = serde_json::to_string_pretty(&set).map_err(|e| format!("the JWKS: {e}"))?;
    Ok((kid, text + "\n"))
}

/// The current time in Unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
