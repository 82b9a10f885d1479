//! The department's commands from the console's forms: each form becomes the same `TaskService`
//! request a department system sends, with the department and the clerk left empty so the handler
//! fills them in from the signed-in person (who can act for nobody else), and the form's
//! idempotency key as the request's, so a double submit is answered once. Success goes back to
//! the page the form was on; a refusal is the refusal page with its reason.

use std::sync::Arc;

use axum::extract::{Form, State};
use axum::response::{IntoResponse, Redirect, Response};
use lianban_proto::v1 as pb;
use lianban_proto::v1::task_service_server::TaskService as _;
use serde::Deserialize;
use tonic::Code;

use super::calls::call;
use super::person::Person;
use super::queue_forms::{back_to, special_procedure};
use super::refusal::Refused;
use super::state::Console;

/// What every action form sends.
#[derive(Debug, Deserialize)]
pub struct Common {
    csrf: String,
    #[serde(default)]
    request_key: String,
    branch_id: String,
    #[serde(default)]
    back: String,
}

/// An action form with its own fields (all optional here: the handler says what is missing).
#[derive(Debug, Deserialize)]
pub struct Action {
    #[serde(flatten)]
    common: Common,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    result_reference: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    material_codes: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    expected_days: String,
    #[serde(default)]
    days: String,
}

impl Action {
    fn checked(self, person: &Person) -> Result<Action, Refused> {
        person.check_form(&self.common.csrf)?;
        Ok(self)
    }

    fn branch(&self) -> String {
        self.common.branch_id.trim().to_owned()
    }

    fn key(&self) -> String {
        self.common.request_key.trim().to_owned()
    }

    fn back(&self) -> Response {
        Redirect::to(back_to(&self.common.back)).into_response()
    }
}

/// POST /queue/claim.
pub async fn claim(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<Action>,
) -> Result<Response, Refused> {
    let form = form.checked(&person)?;
    let request = pb::ClaimTaskRequest {
        branch_id: form.branch(),
        ..Default::default()
    };
    call(
        &person.principal,
        "/lianban.v1.TaskService/ClaimTask",
        request,
        |r| console.handlers.tasks.claim_task(r),
    )
    .await?;
    Ok(form.back())
}

/// POST /queue/release.
pub async fn release(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<Action>,
) -> Result<Response, Refused> {
    let form = form.checked(&person)?;
    let request = pb::ReleaseTaskRequest {
        idempotency_key: form.key(),
        branch_id: form.branch(),
        reason: form.reason.trim().to_owned(),
        ..Default::default()
    };
    call(
        &person.principal,
        "/lianban.v1.TaskService/ReleaseTask",
        request,
        |r| console.handlers.tasks.release_task(r),
    )
    .await?;
    Ok(form.back())
}

/// POST /queue/decide.
pub async fn decide(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<Action>,
) -> Result<Response, Refused> {
    let form = form.checked(&person)?;
    let request = pb::DecideTaskRequest {
        idempotency_key: form.key(),
        branch_id: form.branch(),
        decision: Some(decision(&form)?),
        ..Default::default()
    };
    call(
        &person.principal,
        "/lianban.v1.TaskService/DecideTask",
        request,
        |r| console.handlers.tasks.decide_task(r),
    )
    .await?;
    Ok(form.back())
}

/// The decision a form chose, with its result reference or reasons.
fn decision(form: &Action) -> Result<pb::decide_task_request::Decision, Refused> {
    use pb::decide_task_request::Decision;
    let reason = form.reason.trim().to_owned();
    Ok(match form.decision.as_str() {
        "approve" => Decision::Approve(pb::Approve {
            result_reference: form.result_reference.trim().to_owned(),
        }),
        "reject" => Decision::Reject(pb::Reject { reason }),
        "consent" => Decision::Consent(pb::Consent { comment: reason }),
        "object" => Decision::Object(pb::Object { reasons: reason }),
        _ => return Err(bad_field("decision", "choose 准予, 不予, 同意 or 不同意")),
    })
}

/// POST /queue/supplement.
pub async fn supplement(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<Action>,
) -> Result<Response, Refused> {
    let form = form.checked(&person)?;
    let request = pb::RequestSupplementRequest {
        idempotency_key: form.key(),
        branch_id: form.branch(),
        reason: form.reason.trim().to_owned(),
        material_codes: material_codes(&form.material_codes),
        ..Default::default()
    };
    call(
        &person.principal,
        "/lianban.v1.TaskService/RequestSupplement",
        request,
        |r| console.handlers.tasks.request_supplement(r),
    )
    .await?;
    Ok(form.back())
}

/// Material codes as a clerk types them: separated by commas (either width), 、 or spaces.
fn material_codes(typed: &str) -> Vec<String> {
    typed
        .split(|c: char| c == ',' || c == '，' || c == '、' || c.is_whitespace())
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
        .collect()
}

/// POST /queue/special.
pub async fn special(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<Action>,
) -> Result<Response, Refused> {
    let form = form.checked(&person)?;
    let kind = special_procedure(&form.kind)
        .ok_or_else(|| bad_field("kind", "choose one of the special procedures offered"))?;
    let request = pb::StartSpecialProcedureRequest {
        idempotency_key: form.key(),
        branch_id: form.branch(),
        kind: kind as i32,
        reason: form.reason.trim().to_owned(),
        expected_days: days("expected_days", &form.expected_days)?,
        ..Default::default()
    };
    call(
        &person.principal,
        "/lianban.v1.TaskService/StartSpecialProcedure",
        request,
        |r| console.handlers.tasks.start_special_procedure(r),
    )
    .await?;
    Ok(form.back())
}

/// POST /queue/resume.
pub async fn resume(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<Action>,
) -> Result<Response, Refused> {
    let form = form.checked(&person)?;
    let request = pb::ResumeTaskRequest {
        idempotency_key: form.key(),
        branch_id: form.branch(),
        ..Default::default()
    };
    call(
        &person.principal,
        "/lianban.v1.TaskService/ResumeTask",
        request,
        |r| console.handlers.tasks.resume_task(r),
    )
    .await?;
    Ok(form.back())
}

/// POST /queue/extend.
pub async fn extend(
    State(console): State<Arc<Console>>,
    person: Person,
    Form(form): Form<Action>,
) -> Result<Response, Refused> {
    let form = form.checked(&person)?;
    let request = pb::RequestExtensionRequest {
        idempotency_key: form.key(),
        branch_id: form.branch(),
        days: days("days", &form.days)?,
        reason: form.reason.trim().to_owned(),
        ..Default::default()
    };
    call(
        &person.principal,
        "/lianban.v1.TaskService/RequestExtension",
        request,
        |r| console.handlers.tasks.request_extension(r),
    )
    .await?;
    Ok(form.back())
}

/// A number of working days as typed; empty is 0, which the handler refuses as missing.
fn days(field: &str, typed: &str) -> Result<u32, Refused> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(0);
    }
    typed
        .parse()
        .map_err(|_| bad_field(field, "a whole number of working days"))
}

fn bad_field(field: &str, message: &str) -> Refused {
    let mut refused = Refused::new(Code::InvalidArgument, "INVALID_FIELD", message);
    refused.field = Some(field.to_owned());
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_codes_split_as_clerks_type_them() {
        assert_eq!(
            material_codes(" a-1, b-2，c-3、d-4  e-5 "),
            ["a-1", "b-2", "c-3", "d-4", "e-5"]
        );
        assert!(material_codes("  ").is_empty());
    }

    #[test]
    fn days_are_whole_numbers() {
        assert_eq!(days("days", " 5 ").unwrap(), 5);
        assert_eq!(days("days", "").unwrap(), 0);
        let refused = days("days", "five").unwrap_err();
        assert_eq!(refused.field.as_deref(), Some("days"));
        assert_eq!(refused.code, Code::InvalidArgument);
    }
}
