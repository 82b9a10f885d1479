//! Signing in and out. Through the centre's provider: the authorization code flow with PKCE
//! (S256), the state and verifier kept in a short-lived HttpOnly cookie between the redirect and
//! the callback (so any replica can finish a sign-in another began), and the access token the
//! provider returns proved exactly as a gRPC bearer token before a session exists. In
//! development (authentication off, loopback): a form picks a role, a name and what it is bound to.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use maud::html;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use tonic::Code;

use super::cookies::{self, Pick};
use super::page;
use super::person::{Person, development_principal, role_name};
use super::refusal::Refused;
use super::state::Console;
use crate::console_settings::{OidcConfig, SignIn};
use crate::identity::Role;

/// The longest session a provider's token may open, in seconds.
const LONGEST_SESSION: u64 = 12 * 3600;

/// GET /signin: the provider's button, or the development form.
pub async fn page(State(console): State<Arc<Console>>) -> Response {
    let main = match console.sign_in {
        SignIn::Provider => html! {
            main id="main" {
                h1 { "登录联办" }
                p { "请使用本中心统一身份认证登录。" }
                p { a #signin-oidc .button href="/signin/start" { "统一身份认证登录" } }
            }
        },
        SignIn::Development => html! {
            main id="main" {
                h1 { "登录联办（开发模式）" }
                p.notice { "本服务未开启身份认证，仅在本机开放：请选择角色和所属单位。" }
                form #dev-signin method="post" action="/signin/dev" {
                    p {
                        label for="role" { "角色" }
                        select #role name="role" {
                            @for role in Role::ALL {
                                option value=(role.name()) { (role_name(role)) }
                            }
                        }
                    }
                    p {
                        label for="name" { "姓名或工号" }
                        input #name name="name" required maxlength="64" autocomplete="username";
                    }
                    p {
                        label for="department" { "所属部门代码（部门角色必填）" }
                        input #department name="department" maxlength="64";
                    }
                    p {
                        label for="projects" { "跟踪的项目代码（项目帮办，逗号分隔）" }
                        input #projects name="projects" maxlength="512";
                    }
                    p { button type="submit" { "登录" } }
                }
            }
        },
    };
    page::bare("登录", main).into_response()
}

/// The development form.
#[derive(Debug, Deserialize)]
pub struct DevelopmentForm {
    role: String,
    name: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    projects: String,
}

/// POST /signin/dev.
pub async fn development(
    State(console): State<Arc<Console>>,
    Form(form): Form<DevelopmentForm>,
) -> Result<Response, Refused> {
    if console.sign_in != SignIn::Development {
        return Err(Refused::new(
            Code::PermissionDenied,
            "DEVELOPMENT_SIGN_IN_OFF",
            "this console signs people in through the centre's identity provider",
        ));
    }
    let pick = Pick {
        role: form.role,
        name: form.name.trim().to_owned(),
        department: Some(form.department.trim().to_owned()).filter(|d| !d.is_empty()),
        projects: form
            .projects
            .split([',', '，', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    if development_principal(&console, &pick).is_none() {
        return Err(Refused::new(
            Code::InvalidArgument,
            "INVALID_FIELD",
            "pick a role, a name of 1–64 characters and, for the department role, a department \
             the catalogue knows",
        ));
    }
    let value = cookies::development_value(&console.key, &pick);
    Ok(signed_in(
        &console,
        &value,
        cookies::DEVELOPMENT_SECONDS.into(),
    ))
}

/// GET /signin/start: off to the provider with a fresh state and PKCE challenge.
pub async fn start(State(console): State<Arc<Console>>) -> Result<Response, Refused> {
    let Some(oidc) = &console.oidc else {
        return Err(Refused::new(
            Code::NotFound,
            "NO_PROVIDER",
            "this console has no identity provider configured",
        ));
    };
    let state = random_text();
    let verifier = random_text() + &random_text();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = url::Url::parse(&oidc.authorization_endpoint)
        .map_err(|e| Refused::new(Code::Internal, "PROVIDER", e.to_string()))?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &oidc.client_id)
        .append_pair("redirect_uri", &redirect_uri(&console))
        .append_pair("scope", &oidc.scope)
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");
    let cookie = cookies::set(
        cookies::SIGN_IN,
        &format!("{state}.{verifier}"),
        "/signin",
        cookies::SIGN_IN_SECONDS,
        console.secure,
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(url.as_str())).into_response())
}

/// What the provider sends the browser back with.
#[derive(Debug, Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

/// The token endpoint's answer.
#[derive(Debug, Deserialize)]
struct Tokens {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// GET /signin/callback: the code for a token, the token proved, then a session.
pub async fn callback(
    State(console): State<Arc<Console>>,
    headers: HeaderMap,
    Query(callback): Query<Callback>,
) -> Result<Response, Refused> {
    let refuse = |message: String| {
        tracing::info!(%message, "console sign-in refused");
        Refused::new(Code::Unauthenticated, "UNAUTHENTICATED", message)
    };
    let Some(oidc) = &console.oidc else {
        return Err(refuse(
            "this console has no identity provider configured".into(),
        ));
    };
    if !callback.error.is_empty() {
        return Err(refuse(format!(
            "the identity provider refused: {}",
            callback.error
        )));
    }
    let kept = cookies::find(&headers, cookies::SIGN_IN).unwrap_or_default();
    let Some((state, verifier)) = kept.split_once('.') else {
        return Err(refuse(
            "no sign-in was started from this browser, or it took too long".into(),
        ));
    };
    if state.is_empty() || state != callback.state || callback.code.is_empty() {
        return Err(refuse(
            "the sign-in's state does not match the one this browser began".into(),
        ));
    }
    let form = token_request(&console, oidc, &callback.code, verifier);
    let answer =
        crate::identity::post_form(&oidc.token_endpoint, console.token_ca.as_deref(), form)
            .await
            .map_err(|e| refuse(format!("the token endpoint: {e}")))?;
    let tokens: Tokens = serde_json::from_str(&answer)
        .map_err(|e| refuse(format!("the token endpoint's answer: {e}")))?;
    let principal = console
        .authenticator
        .principal_of_token(&tokens.access_token)
        .await
        .map_err(|e| refuse(format!("the provider's token proves nobody here: {e}")))?;
    tracing::info!(principal = %principal.label(), "console sign-in");
    let seconds = tokens.expires_in.unwrap_or(3600).min(LONGEST_SESSION);
    let value = cookies::token_value(&tokens.access_token);
    Ok(signed_in(&console, &value, seconds))
}

/// The signed-out form.
#[derive(Debug, Deserialize)]
pub struct SignOut {
    #[serde(default)]
    csrf: String,
}

/// POST /signout.
pub async fn sign_out(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<SignOut>,
) -> Result<Response, Refused> {
    person.check_form(&form.csrf)?;
    let clear = cookies::set(cookies::SESSION, "", "/", 0, console.secure);
    Ok(([(header::SET_COOKIE, clear)], Redirect::to("/signin")).into_response())
}

fn signed_in(console: &Console, value: &str, seconds: u64) -> Response {
    let seconds = u32::try_from(seconds).unwrap_or(u32::MAX);
    let session = cookies::set(cookies::SESSION, value, "/", seconds, console.secure);
    let done = cookies::set(cookies::SIGN_IN, "", "/signin", 0, console.secure);
    (
        AppendHeaders([(header::SET_COOKIE, session), (header::SET_COOKIE, done)]),
        Redirect::to("/"),
    )
        .into_response()
}

/// The token request's form body: the code, the PKCE verifier, and the client's credentials.
fn token_request(console: &Console, oidc: &OidcConfig, code: &str, verifier: &str) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", &redirect_uri(console))
        .append_pair("client_id", &oidc.client_id)
        .append_pair("code_verifier", verifier);
    if let Some(secret) = &console.client_secret {
        form.append_pair("client_secret", secret);
    }
    form.finish()
}

fn redirect_uri(console: &Console) -> String {
    format!("{}/signin/callback", console.public_url())
}

/// 128 random bits, base64url.
fn random_text() -> String {
    URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}
