//! The front desk: an application is submitted, completed with a one-time notice (一次性告知)
//! listing everything missing, accepted with a receipt number — which starts every branch free of
//! predecessors — or withdrawn before dispatch.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::change::Change;
use super::checks::check_submission;
use super::progress::{cancel_branch, start_branch};
use super::transitions::{apply_branch_trigger, move_application};
use crate::application::{
    Application, Branch, Channel, MaterialSubmission, MissingMaterial, OneTimeNotice,
    ReceivedMaterial,
};
use crate::catalogue::{Bundle, BundleBranch, Catalogue};
use crate::error::EngineError;
use crate::machine::{ApplicationState, ApplicationTrigger, BranchState, BranchTrigger};
use crate::vocabulary::{Decision, Event, Rules, Submit, receipt_number, require_text};

/// Submits an application: accepted at once when nothing is missing, otherwise a one-time notice.
pub fn submit(
    rules: Rules<'_>,
    command: Submit,
    new_id: &mut dyn FnMut() -> Uuid,
    now: DateTime<Utc>,
) -> Result<Decision, EngineError> {
    let catalogue = rules.catalogue;
    let bundle = catalogue.bundle(&command.bundle_code).ok_or_else(|| {
        EngineError::invalid(
            "bundle_code",
            format!("no bundle with code {:?}", command.bundle_code),
        )
    })?;
    check_submission(catalogue, bundle, &command)?;
    let branches = bundle
        .branches
        .iter()
        .map(|entry| new_branch(catalogue, entry, new_id()))
        .collect();
    let mut application = new_application(bundle, command, branches, now);
    let mut events = vec![Event::Submitted];
    let missing = missing_materials(catalogue, bundle, &application);
    if missing.is_empty() {
        accept(rules, &mut application, now, &mut events);
    } else {
        issue_notice(&mut application, missing, now, &mut events);
    }
    Ok(Decision {
        application,
        events,
    })
}

/// A pending branch for one matter of the bundle, with the matter's limits and materials.
fn new_branch(catalogue: &Catalogue, entry: &BundleBranch, id: Uuid) -> Branch {
    let matter = catalogue
        .matter(&entry.matter)
        .expect("catalogue checked at load");
    Branch {
        id,
        matter_code: matter.code.clone(),
        department_code: matter.department.clone(),
        role: entry.role,
        state: BranchState::Pending,
        depends_on: entry.depends_on.clone(),
        material_codes: matter.materials.clone(),
        limit_days: matter.promised_limit_days,
        legal_limit_days: matter.legal_limit_days,
        paused_days: 0,
        extension_days: 0,
        on_deadline: catalogue.deadline_action(entry),
        started_at: None,
        deadline: None,
        deadline_moves: Vec::new(),
        pauses: Vec::new(),
        extensions: Vec::new(),
        post: None,
        assignee: None,
        unstaffed_since: None,
        handovers: Vec::new(),
        escalated_at: None,
        claimed_by: None,
        outcome: None,
        version: 0,
    }
}

/// The submitted application, holding the materials handed in with it.
fn new_application(
    bundle: &Bundle,
    command: Submit,
    branches: Vec<Branch>,
    now: DateTime<Utc>,
) -> Application {
    let mut application = Application {
        id: command.application_id,
        bundle_code: bundle.code.clone(),
        receipt_number: None,
        state: ApplicationState::AwaitingMaterials,
        applicant: command.applicant,
        form: command.form,
        materials: BTreeMap::new(),
        channel: command.channel,
        key_project_code: command.key_project_code,
        front_desk_clerk: command.front_desk_clerk,
        notices: Vec::new(),
        branches,
        submitted_at: now,
        accepted_at: None,
        due: None,
        ready_at: None,
        hand_over: None,
        withdrawn_at: None,
        withdrawal_reason: None,
        visits: u32::from(command.channel == Channel::OnSite),
        ratings: Vec::new(),
        settled_sessions: Vec::new(),
        version: 1,
    };
    receive_materials(&mut application, command.materials, command.channel, now);
    application
}

/// Accepts the application: its receipt number and due date, and every branch free of
/// predecessors starts while the others wait.
pub(super) fn accept(
    rules: Rules<'_>,
    application: &mut Application,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    application.state = ApplicationState::InProgress;
    application.accepted_at = Some(now);
    let bundle_limit = rules
        .catalogue
        .bundle(&application.bundle_code)
        .map_or(0, |b| b.promised_limit_days);
    application.due = Some(rules.calendar.deadline(now, bundle_limit));
    let receipt = receipt_number(application.id, now);
    application.receipt_number = Some(receipt.clone());
    events.push(Event::Accepted {
        receipt_number: receipt,
    });
    for branch in &mut application.branches {
        if branch.depends_on.is_empty() {
            start_branch(rules, branch, now, events);
        } else {
            apply_branch_trigger(branch, BranchTrigger::Defer);
            events.push(Event::BranchWaiting {
                branch_id: branch.id,
            });
        }
    }
}

/// Issues the next one-time notice, listing everything still missing.
pub(super) fn issue_notice(
    application: &mut Application,
    missing: Vec<MissingMaterial>,
    now: DateTime<Utc>,
    events: &mut Vec<Event>,
) {
    let number = application.notices.len() as u32 + 1;
    application.notices.push(OneTimeNotice {
        number,
        issued_at: now,
        missing,
    });
    events.push(Event::NoticeIssued { number });
}

/// Files the materials handed in; one handed in again replaces the earlier document.
pub(super) fn receive_materials(
    application: &mut Application,
    materials: Vec<MaterialSubmission>,
    channel: Channel,
    now: DateTime<Utc>,
) {
    for material in materials {
        let received = ReceivedMaterial {
            document_ref: material.document_ref,
            received_at: now,
            channel,
        };
        application
            .materials
            .insert(material.material_code, received);
    }
}

/// Everything the bundle needs that the application does not hold, with every matter needing it.
pub fn missing_materials(
    catalogue: &Catalogue,
    bundle: &Bundle,
    application: &Application,
) -> Vec<MissingMaterial> {
    let mut missing: BTreeMap<&str, MissingMaterial> = BTreeMap::new();
    for entry in &bundle.branches {
        let Some(matter) = catalogue.matter(&entry.matter) else {
            continue;
        };
        for code in matter
            .materials
            .iter()
            .filter(|code| !application.materials.contains_key(*code))
        {
            let item = missing.entry(code).or_insert_with(|| MissingMaterial {
                material_code: code.clone(),
                matter_codes: Vec::new(),
                department_codes: Vec::new(),
            });
            item.matter_codes.push(matter.code.clone());
            if !item.department_codes.contains(&matter.department) {
                item.department_codes.push(matter.department.clone());
            }
        }
    }
    missing.into_values().collect()
}

/// The applicant withdraws: every open branch is cancelled with the reason.
pub(super) fn withdraw(change: &mut Change<'_>, reason: String) -> Result<(), EngineError> {
    let (_, application, now, events) = change.parts();
    require_text("reason", &reason)?;
    move_application(application, ApplicationTrigger::Withdraw)?;
    let why = format!("application withdrawn: {reason}");
    for index in 0..application.branches.len() {
        if !application.branches[index].state.is_final() {
            cancel_branch(application, index, &why, now, events);
        }
    }
    application.withdrawn_at = Some(now);
    application.withdrawal_reason = Some(reason.clone());
    events.push(Event::Withdrawn { reason });
    Ok(())
}
