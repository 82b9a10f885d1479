//! A fake OpenID Connect provider on 127.0.0.1:0 for the console's sign-in: the authorization
//! code flow with PKCE, as the centre's provider runs it. The test picks who signs in next
//! ([`Provider::sign_in_as`], any claims, a wrong `iss` included); `/authorize` sends the browser
//! back with a one-time code, and `/token` hands out a JWT signed by the provider's
//! [`Credentials`] only for the right code, redirect URI, client and PKCE S256 verifier. Every
//! request is recorded so a test can check what the console sent.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::credentials::Credentials;

/// The client id the console is registered under at the fake provider.
pub const CLIENT_ID: &str = "lianban-console";

/// One request's parameters (query of `/authorize`, form of `/token`).
pub type Parameters = HashMap<String, String>;

/// A running fake provider.
pub struct Provider {
    /// Where it listens.
    pub address: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// What the handlers share with the test.
struct Shared {
    credentials: Credentials,
    state: Mutex<Ledger>,
}

/// Who signs in next, the codes handed out, and every request received.
#[derive(Default)]
struct Ledger {
    identity: Option<Value>,
    codes: HashMap<String, Grant>,
    authorizations: Vec<Parameters>,
    exchanges: Vec<Parameters>,
}

/// What a code was issued for.
struct Grant {
    claims: Value,
    client_id: String,
    redirect_uri: String,
    challenge: String,
}

impl Provider {
    /// Starts a provider with fresh keys ([`Credentials::new`]).
    pub async fn start() -> Provider {
        let shared = Arc::new(Shared {
            credentials: Credentials::new(),
            state: Mutex::new(Ledger::default()),
        });
        let routes = Router::new()
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the provider");
        let address = listener.local_addr().expect("the provider's address");
        let task = tokio::spawn(async move {
            axum::serve(listener, routes)
                .await
                .expect("the provider serves");
        });
        Provider {
            address,
            shared,
            task,
        }
    }

    /// The provider's keys, issuer and audience: configure the server with
    /// [`Credentials::tokens_only`] and sign gRPC tokens with them.
    pub fn credentials(&self) -> &Credentials {
        &self.shared.credentials
    }

    /// Where browsers are sent to sign in.
    pub fn authorization_endpoint(&self) -> String {
        format!("http://{}/authorize", self.address)
    }

    /// Where the console exchanges a code for a token.
    pub fn token_endpoint(&self) -> String {
        format!("http://{}/token", self.address)
    }

    /// Valid claims for `sub` holding `roles` ([`Credentials::claims`]).
    pub fn claims(&self, sub: &str, roles: &[&str]) -> Value {
        self.shared.credentials.claims(sub, roles)
    }

    /// Whoever signs in from now on gets a token with `claims`.
    pub fn sign_in_as(&self, claims: Value) {
        self.ledger().identity = Some(claims);
    }

    /// The query of every `/authorize` request so far.
    pub fn authorizations(&self) -> Vec<Parameters> {
        self.ledger().authorizations.clone()
    }

    /// The form of every `/token` request so far.
    pub fn exchanges(&self) -> Vec<Parameters> {
        self.ledger().exchanges.clone()
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.shared.state.lock().expect("the provider's ledger")
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// `GET /authorize`: a code for the chosen identity, sent back to `redirect_uri` with `state`.
async fn authorize(State(shared): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    let query = parameters(query.as_deref().unwrap_or(""));
    let mut ledger = shared.state.lock().expect("the provider's ledger");
    ledger.authorizations.push(query.clone());
    let field = |name: &str| query.get(name).map(String::as_str).unwrap_or("");
    if field("response_type") != "code" {
        return refused("unsupported_response_type");
    }
    if field("code_challenge_method") != "S256" || field("code_challenge").is_empty() {
        return refused("invalid_request");
    }
    if field("client_id").is_empty()
        || field("redirect_uri").is_empty()
        || field("state").is_empty()
    {
        return refused("invalid_request");
    }
    let Some(claims) = ledger.identity.clone() else {
        return refused("access_denied");
    };
    let code = uuid::Uuid::new_v4().simple().to_string();
    ledger.codes.insert(
        code.clone(),
        Grant {
            claims,
            client_id: field("client_id").to_owned(),
            redirect_uri: field("redirect_uri").to_owned(),
            challenge: field("code_challenge").to_owned(),
        },
    );
    let back = url::Url::parse_with_params(
        field("redirect_uri"),
        [("code", code.as_str()), ("state", field("state"))],
    );
    match back {
        Ok(back) => (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response(),
        Err(_) => refused("invalid_request"),
    }
}

/// `POST /token`: the token for a code issued here, once, to the client that asked for it with
/// the verifier whose S256 hash it sent.
async fn token(State(shared): State<Arc<Shared>>, body: String) -> Response {
    let form = parameters(&body);
    let mut ledger = shared.state.lock().expect("the provider's ledger");
    ledger.exchanges.push(form.clone());
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    if field("grant_type") != "authorization_code" {
        return refused("unsupported_grant_type");
    }
    let Some(grant) = ledger.codes.remove(field("code")) else {
        return refused("invalid_grant");
    };
    let verified = grant.client_id == field("client_id")
        && grant.redirect_uri == field("redirect_uri")
        && s256(field("code_verifier")) == grant.challenge;
    if !verified {
        return refused("invalid_grant");
    }
    let body = json!({
        "access_token": shared.credentials.sign(&grant.claims),
        "token_type": "Bearer",
        "expires_in": 3600,
    });
    answer_json(StatusCode::OK, &body)
}

/// A query string or form body's parameters (the last of a repeated name wins). Parsed here
/// rather than by an extractor so that a malformed request is still recorded and answered the
/// way a provider does.
fn parameters(encoded: &str) -> Parameters {
    url::form_urlencoded::parse(encoded.as_bytes())
        .into_owned()
        .collect()
}

/// The PKCE S256 challenge of `verifier`: base64url(sha256(verifier)), unpadded.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// An OAuth error answer.
fn refused(error: &str) -> Response {
    answer_json(StatusCode::BAD_REQUEST, &json!({ "error": error }))
}

fn answer_json(status: StatusCode, body: &Value) -> Response {
    let headers = [
        (header::CONTENT_TYPE, "application/json"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (status, headers, body.to_string()).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_challenge_is_the_rfc_7636_example() {
        // RFC 7636, appendix B.
        assert_eq!(
            super::s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
