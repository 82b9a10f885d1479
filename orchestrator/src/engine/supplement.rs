//! Materials handed in after submission: before acceptance they answer the one-time notice (and
//! accept the application once nothing is missing); after it they answer a department's
//! supplement request, and restart every branch whose requested materials are all in.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::change::Change;
use super::checks::check_materials;
use super::intake::{accept, issue_notice, missing_materials, receive_materials};
use super::pauses::resume_branch;
use super::transitions::move_application;
use crate::application::{Application, Channel, MaterialSubmission, PauseKind};
use crate::calendar::Calendar;
use crate::error::EngineError;
use crate::machine::{ApplicationState, ApplicationTrigger, BranchState};
use crate::vocabulary::{Event, require_text};

/// The applicant hands in materials.
pub(super) fn supplement(
    change: &mut Change<'_>,
    materials: Vec<MaterialSubmission>,
    channel: Channel,
) -> Result<(), EngineError> {
    let (rules, application, now, events) = change.parts();
    let catalogue = rules.catalogue;
    let bundle =
        catalogue
            .bundle(&application.bundle_code)
            .ok_or_else(|| EngineError::NotFound {
                entity: "bundle",
                id: application.bundle_code.clone(),
            })?;
    if materials.is_empty() {
        return Err(EngineError::invalid(
            "materials",
            "at least one material is required",
        ));
    }
    if application.state == ApplicationState::InProgress {
        return supplement_requested(rules.calendar, application, materials, channel, now, events);
    }
    check_materials(catalogue, bundle, &materials, "materials")?;
    let codes = materials.iter().map(|m| m.material_code.clone()).collect();
    receive_materials(application, materials, channel, now);
    count_visit(application, channel);
    let missing = missing_materials(catalogue, bundle, application);
    let trigger = if missing.is_empty() {
        ApplicationTrigger::SupplementComplete
    } else {
        ApplicationTrigger::SupplementIncomplete
    };
    move_application(application, trigger)?;
    events.push(Event::MaterialsSupplemented {
        material_codes: codes,
    });
    if missing.is_empty() {
        accept(rules, application, now, events);
    } else {
        issue_notice(application, missing, now, events);
    }
    Ok(())
}

/// Materials a department asked for while the application is in progress.
fn supplement_requested(
    calendar: &Calendar,
    application: &mut Application,
    materials: Vec<MaterialSubmission>,
    channel: Channel,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    check_requested(application, &materials)?;
    move_application(application, ApplicationTrigger::SupplementRequested)?;
    let codes: Vec<String> = materials.iter().map(|m| m.material_code.clone()).collect();
    receive_materials(application, materials, channel, now);
    count_visit(application, channel);
    events.push(Event::MaterialsSupplemented {
        material_codes: codes,
    });
    resume_completed_pauses(calendar, application, now, events)
}

/// Only materials an open supplement request names, each once, each with a document.
fn check_requested(
    application: &Application,
    materials: &[MaterialSubmission],
) -> Result<(), EngineError> {
    let requested: BTreeSet<String> = application
        .branches
        .iter()
        .filter(|branch| branch.state == BranchState::Paused)
        .filter_map(|branch| branch.pauses.last())
        .filter(|pause| pause.kind == PauseKind::Supplement && pause.ended_at.is_none())
        .flat_map(|pause| pause.material_codes.iter().cloned())
        .collect();
    if requested.is_empty() {
        return Err(EngineError::InvalidTransition {
            entity: "application",
            id: application.id.to_string(),
            state: application.state.name(),
            command: "supplement materials (no department asked for any)",
        });
    }
    let mut seen = BTreeSet::new();
    for (index, material) in materials.iter().enumerate() {
        let code_path = format!("materials[{index}].material_code");
        if !requested.contains(&material.material_code) {
            return Err(EngineError::invalid(
                code_path,
                format!(
                    "material {} was not requested by any branch",
                    material.material_code
                ),
            ));
        }
        if !seen.insert(material.material_code.clone()) {
            return Err(EngineError::invalid(
                code_path,
                format!("material {} is handed in twice", material.material_code),
            ));
        }
        require_text(
            &format!("materials[{index}].document_ref"),
            &material.document_ref,
        )?;
    }
    Ok(())
}

/// Restarts every branch paused for materials that have all come in since it asked.
fn resume_completed_pauses(
    calendar: &Calendar,
    application: &mut Application,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) -> Result<(), EngineError> {
    for branch in &mut application.branches {
        let complete = branch.state == BranchState::Paused
            && branch.pauses.last().is_some_and(|pause| {
                pause.kind == PauseKind::Supplement
                    && pause.ended_at.is_none()
                    && pause.material_codes.iter().all(|code| {
                        application
                            .materials
                            .get(code)
                            .is_some_and(|m| m.received_at >= pause.started_at)
                    })
            });
        if complete {
            resume_branch(calendar, branch, now, events)?;
        }
    }
    Ok(())
}

/// An applicant who came in person made one more visit (跑动次数).
fn count_visit(application: &mut Application, channel: Channel) {
    if channel == Channel::OnSite {
        application.visits += 1;
    }
}
