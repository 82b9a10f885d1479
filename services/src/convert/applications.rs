//! Applications on the wire, with every branch and the bundle's due date, and as a department
//! sees one of its branches (a task); from the wire, the application states of a query.

use lianban_orchestrator::ApplicationState;
use lianban_orchestrator::application::{Application, Branch};
use lianban_proto::v1 as pb;
use uuid::Uuid;

use super::branches::{branch_to_wire, outcome_to_wire};
use super::fields::{optional_timestamp, timestamp};
use super::intake::{
    applicant_to_wire, channel_to_wire, hand_over_method_to_wire, notice_to_wire, received_to_wire,
};
use super::ratings::rating_to_wire;
use super::view::View;
use crate::error::Error;

/// Application states from the wire; unspecified is refused.
pub fn application_states(values: &[i32]) -> Result<Vec<ApplicationState>, Error> {
    values
        .iter()
        .enumerate()
        .map(
            |(index, value)| match pb::ApplicationState::try_from(*value) {
                Ok(pb::ApplicationState::AwaitingMaterials) => {
                    Ok(ApplicationState::AwaitingMaterials)
                }
                Ok(pb::ApplicationState::InProgress) => Ok(ApplicationState::InProgress),
                Ok(pb::ApplicationState::ReadyForDispatch) => {
                    Ok(ApplicationState::ReadyForDispatch)
                }
                Ok(pb::ApplicationState::Dispatched) => Ok(ApplicationState::Dispatched),
                Ok(pb::ApplicationState::Withdrawn) => Ok(ApplicationState::Withdrawn),
                _ => Err(Error::invalid(
                    format!("states[{index}]"),
                    "not an application state",
                )),
            },
        )
        .collect()
}

/// An application's state as the wire carries it.
pub fn application_state_to_wire(state: ApplicationState) -> i32 {
    let wire = match state {
        ApplicationState::AwaitingMaterials => pb::ApplicationState::AwaitingMaterials,
        ApplicationState::InProgress => pb::ApplicationState::InProgress,
        ApplicationState::ReadyForDispatch => pb::ApplicationState::ReadyForDispatch,
        ApplicationState::Dispatched => pb::ApplicationState::Dispatched,
        ApplicationState::Withdrawn => pb::ApplicationState::Withdrawn,
    };
    wire as i32
}

/// An application on the wire, with every branch.
pub fn application_to_wire(application: &Application, view: &View<'_>) -> pb::Application {
    pb::Application {
        id: application.id.to_string(),
        receipt_number: application.receipt_number.clone().unwrap_or_default(),
        bundle_code: application.bundle_code.clone(),
        bundle_name: view
            .catalogue
            .bundle(&application.bundle_code)
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        state: application_state_to_wire(application.state),
        applicant: Some(applicant_to_wire(&application.applicant)),
        form: application.form.clone(),
        materials: application
            .materials
            .iter()
            .map(|(code, m)| received_to_wire(code, m))
            .collect(),
        channel: channel_to_wire(application.channel),
        key_project_code: application.key_project_code.clone().unwrap_or_default(),
        front_desk_clerk: application.front_desk_clerk.clone(),
        notices: application
            .notices
            .iter()
            .map(|n| notice_to_wire(n, view.catalogue))
            .collect(),
        branches: application
            .branches
            .iter()
            .map(|b| branch_to_wire(application, b, view))
            .collect(),
        submitted_at: Some(timestamp(application.submitted_at)),
        accepted_at: optional_timestamp(application.accepted_at),
        ready_at: optional_timestamp(application.ready_at),
        hand_over: application.hand_over.as_ref().map(|h| pb::HandOver {
            method: hand_over_method_to_wire(h.method),
            handed_by: h.handed_by.clone(),
            recipient: h.recipient.clone(),
            tracking_reference: h.tracking_reference.clone(),
            handed_at: Some(timestamp(h.handed_at)),
            results: h
                .results
                .iter()
                .map(|r| pb::HandedResult {
                    branch_id: r.branch_id.to_string(),
                    matter_code: r.matter_code.clone(),
                    outcome: Some(outcome_to_wire(&r.outcome)),
                })
                .collect(),
        }),
        withdrawn_at: optional_timestamp(application.withdrawn_at),
        withdrawal_reason: application.withdrawal_reason.clone().unwrap_or_default(),
        version: application.version,
        visits: application.visits,
        ratings: application.ratings.iter().map(rating_to_wire).collect(),
        due: application.due.as_ref().map(|d| {
            let limit = view
                .catalogue
                .bundle(&application.bundle_code)
                .map_or(0, |b| b.promised_limit_days);
            view.deadline(d, limit, application.state == ApplicationState::InProgress)
        }),
    }
}

/// A branch as its department sees it.
pub fn task_to_wire(application: &Application, branch: &Branch, view: &View<'_>) -> pb::Task {
    pb::Task {
        branch: Some(branch_to_wire(application, branch, view)),
        receipt_number: application.receipt_number.clone().unwrap_or_default(),
        bundle_code: application.bundle_code.clone(),
        form: application.form.clone(),
        applicant: Some(applicant_to_wire(&application.applicant)),
    }
}

/// The branch `branch_id` of `application` as its department sees it, if there is one.
pub fn task_of_branch(
    application: &Application,
    branch_id: Uuid,
    view: &View<'_>,
) -> Option<pb::Task> {
    let branch = application.branch(branch_id)?;
    Some(task_to_wire(application, branch, view))
}
