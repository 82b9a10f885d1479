//! What the browser holds: the session cookie (the provider's access token, re-verified on every
//! request, so any replica serves any session and a token's expiry ends the session; or, in
//! development, the picked role signed with this process's key), the short-lived sign-in cookie
//! (state and PKCE verifier between the redirect and the callback), and the CSRF token forms carry
//! (derived from the session cookie, which a page of another site cannot read).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The session cookie's name.
pub const SESSION: &str = "lianban_session";
/// The sign-in cookie's name (state and PKCE verifier while the provider is asked).
pub const SIGN_IN: &str = "lianban_signin";
/// How long a sign-in may take at the provider, in seconds.
pub const SIGN_IN_SECONDS: u32 = 600;
/// How long a development session lasts, in seconds.
pub const DEVELOPMENT_SECONDS: u32 = 12 * 3600;

/// What a session cookie holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// The provider's access token.
    Token(String),
    /// A development pick.
    Development(Pick),
}

/// A role and what it is bound to, picked at the development sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    /// The role's name (`supervisor`, …).
    pub role: String,
    /// The person's id.
    pub name: String,
    /// The department, for the department role.
    pub department: Option<String>,
    /// The followed projects, for the facilitator role.
    pub projects: Vec<String>,
}

/// The key development sessions are signed with: new in every process, so a restart signs
/// everyone out and no cookie outlives the server that made it.
pub struct Key([u8; 32]);

impl Key {
    /// A fresh random key.
    pub fn generate() -> Key {
        let mut bytes = [0u8; 32];
        bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Key(bytes)
    }

    fn mac(&self, payload: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("any key length");
        mac.update(payload.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

/// The session cookie's value for a token.
pub fn token_value(token: &str) -> String {
    format!("t.{token}")
}

/// The session cookie's value for a development pick.
pub fn development_value(key: &Key, pick: &Pick) -> String {
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(pick).expect("a pick serialises"));
    let mac = key.mac(&payload);
    format!("d.{payload}.{mac}")
}

/// What a session cookie's value holds, if it is well formed and (for a pick) signed by `key`.
pub fn read(key: &Key, value: &str) -> Option<Held> {
    if let Some(token) = value.strip_prefix("t.") {
        return (!token.is_empty()).then(|| Held::Token(token.to_owned()));
    }
    let rest = value.strip_prefix("d.")?;
    let (payload, mac) = rest.rsplit_once('.')?;
    let expected = key.mac(payload);
    if !constant_time_eq(expected.as_bytes(), mac.as_bytes()) {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok().map(Held::Development)
}

/// The CSRF token of a session: a page on another site can neither read the cookie nor
/// compute this from anything it can read.
pub fn csrf_token(session_value: &str) -> String {
    let digest = Sha256::digest(format!("lianban-console-csrf:{session_value}").as_bytes());
    hex(&digest[..16])
}

/// Whether a submitted CSRF token is the session's.
#[cfg(test)]
fn csrf_matches(session_value: &str, sent: &str) -> bool {
    csrf_matches_token(&csrf_token(session_value), sent)
}

/// Whether a submitted CSRF token is the expected one.
pub fn csrf_matches_token(expected: &str, sent: &str) -> bool {
    constant_time_eq(expected.as_bytes(), sent.as_bytes())
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn find(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Lax always, Secure behind https; `max_age` 0
/// removes the cookie.
pub fn set(name: &str, value: &str, path: &str, max_age: u32, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick() -> Pick {
        Pick {
            role: "department".into(),
            name: "clerk-7".into(),
            department: Some("scjg".into()),
            projects: vec![],
        }
    }

    #[test]
    fn a_development_pick_reads_back_only_under_its_key() {
        let key = Key::generate();
        let value = development_value(&key, &pick());
        assert_eq!(read(&key, &value), Some(Held::Development(pick())));
        assert_eq!(read(&Key::generate(), &value), None);
        let forged = value.replace("d.", "d.e");
        assert_eq!(read(&key, &forged), None);
    }

    #[test]
    fn a_token_cookie_holds_the_token_and_nothing_else_reads() {
        let key = Key::generate();
        assert_eq!(
            read(&key, &token_value("abc.def.ghi")),
            Some(Held::Token("abc.def.ghi".into()))
        );
        assert_eq!(read(&key, "t."), None);
        assert_eq!(read(&key, "garbage"), None);
    }

    #[test]
    fn the_csrf_token_belongs_to_one_session() {
        let token = csrf_token("t.one");
        assert!(csrf_matches("t.one", &token));
        assert!(!csrf_matches("t.two", &token));
        assert!(!csrf_matches("t.one", ""));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = http::HeaderMap::new();
        headers.append(
            http::header::COOKIE,
            "a=1; lianban_session=t.x".parse().unwrap(),
        );
        assert_eq!(find(&headers, SESSION).as_deref(), Some("t.x"));
        assert_eq!(find(&headers, SIGN_IN), None);
    }
}
