//! Who is signed in: the principal a request's session cookie proves, re-proved on every request
//! (a provider's token through the same verifier as a gRPC bearer token; a development pick
//! through this process's key and the catalogue). A request without a valid session is sent to
//! the sign-in page (a read) or refused (a form, a live feed).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use tonic::Code;

use super::cookies::{self, Held, Pick};
use super::refusal::Refused;
use super::state::Console;
use crate::console_settings::SignIn;
use crate::identity::{Principal, Proof, Role};

/// The signed-in person of a request.
#[derive(Debug, Clone)]
pub struct Person {
    /// Who they are and what they may do.
    pub principal: Arc<Principal>,
    /// The CSRF token their forms carry.
    pub csrf: String,
    /// Whether the request came from the console's own pages (its `Origin`, when sent, is ours).
    same_origin: bool,
}

impl Person {
    /// Who is signed in, as the header shows it.
    pub fn describe(&self) -> String {
        let principal = &self.principal;
        let roles: Vec<&str> = principal.roles.iter().map(|r| role_name(*r)).collect();
        let department = principal
            .department
            .as_deref()
            .map(|d| format!(" · {d}"))
            .unwrap_or_default();
        format!("{}（{}{}）", principal.name, roles.join("、"), department)
    }

    /// Refuses a form that did not come from this person's own page.
    pub fn check_form(&self, sent_csrf: &str) -> Result<(), Refused> {
        if self.same_origin && cookies::csrf_matches_token(&self.csrf, sent_csrf) {
            Ok(())
        } else {
            Err(Refused::new(
                Code::PermissionDenied,
                "FORM_NOT_FROM_THIS_SESSION",
                "the form was not sent from this session's own page; open the page again",
            ))
        }
    }
}

/// A role's name in the console.
pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::FrontDesk => "综合窗口",
        Role::Dispatch => "统一出件",
        Role::Department => "部门",
        Role::Supervisor => "督查",
        Role::Facilitator => "项目帮办",
        Role::Admin => "系统管理",
        Role::Auditor => "审计",
        Role::Exchange => "数据交换",
    }
}

impl FromRequestParts<Arc<Console>> for Person {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        console: &Arc<Console>,
    ) -> Result<Self, Self::Rejection> {
        let value = cookies::find(&parts.headers, cookies::SESSION);
        let principal = match &value {
            Some(value) => prove(console, value).await,
            None => None,
        };
        match (value, principal) {
            (Some(value), Some(principal)) => Ok(Person {
                principal: Arc::new(principal),
                csrf: cookies::csrf_token(&value),
                same_origin: same_origin(parts, console),
            }),
            _ => Err(not_signed_in(parts, console)),
        }
    }
}

/// The principal a session cookie's value proves now, if any.
async fn prove(console: &Console, value: &str) -> Option<Principal> {
    match (cookies::read(&console.key, value)?, console.sign_in) {
        (Held::Token(token), SignIn::Provider) => console
            .authenticator
            .principal_of_token(&token)
            .await
            .map_err(
                |e| tracing::info!(error = %e, "console session token no longer proves anyone"),
            )
            .ok(),
        (Held::Development(pick), SignIn::Development) => development_principal(console, &pick),
        _ => None,
    }
}

/// The principal a development pick names, if its role exists and its department is known.
pub fn development_principal(console: &Console, pick: &Pick) -> Option<Principal> {
    let role = Role::parse(&pick.role)?;
    let name = pick.name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return None;
    }
    let department = pick
        .department
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned);
    if role == Role::Department && department.is_none() {
        return None;
    }
    let principal = Principal {
        id: format!("person:{name}"),
        name: name.to_owned(),
        roles: BTreeSet::from([role]),
        department,
        projects: pick.projects.iter().map(|p| p.trim().to_owned()).collect(),
        proof: Proof::Development,
    };
    console.authenticator.check_department(&principal).ok()?;
    Some(principal)
}

/// A browser sends `Origin` with every form post; one from elsewhere is not ours.
fn same_origin(parts: &Parts, console: &Console) -> bool {
    match parts.headers.get(header::ORIGIN) {
        None => true,
        Some(origin) => origin
            .to_str()
            .is_ok_and(|origin| console.public_url().eq_ignore_ascii_case(origin)),
    }
}

fn not_signed_in(parts: &Parts, console: &Console) -> Response {
    let clear = cookies::set(cookies::SESSION, "", "/", 0, console.secure);
    if parts.method == Method::GET
        && !parts
            .headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/event-stream"))
    {
        ([(header::SET_COOKIE, clear)], Redirect::to("/signin")).into_response()
    } else {
        let refused = Refused::new(
            Code::Unauthenticated,
            "UNAUTHENTICATED",
            "not signed in, or the sign-in has expired; sign in again",
        );
        ([(header::SET_COOKIE, clear)], refused).into_response()
    }
}
