//! The application page (`show`, `submit`, `supplement`, `withdraw`, `dispatch`) and the
//! application list (`list`, `ready`).

use lianban_proto::v1 as pb;

use super::deadline::deadline_text;
use super::mask::mask_id;
use super::names::{application_state_name, branch_state_name, role_name};
use super::table::table;
use crate::time::local_time;

/// A readable page for one application.
pub fn render_application(application: &pb::Application) -> String {
    let mut out = header(application);
    out.push_str(&notice(application));
    if !application.withdrawal_reason.is_empty() {
        out.push_str(&format!(
            "Withdrawn    {}: {}\n",
            local_time(application.withdrawn_at.as_ref()),
            application.withdrawal_reason
        ));
    }
    out.push('\n');
    out.push_str(&branches(application));
    if let Some(hand_over) = &application.hand_over {
        out.push_str(&hand_over_line(hand_over));
    }
    out
}

/// Applications as a table, one row each, with how many of their branches have ended.
pub fn render_applications(applications: &[pb::Application]) -> String {
    let rows = applications
        .iter()
        .map(|a| {
            let ended = a.branches.iter().filter(|b| b.outcome.is_some()).count();
            vec![
                a.id.clone(),
                a.receipt_number.clone(),
                a.bundle_name.clone(),
                application_state_name(a.state).to_owned(),
                format!("{ended}/{}", a.branches.len()),
                local_time(a.submitted_at.as_ref()),
            ]
        })
        .collect();
    table(
        &[
            "APPLICATION",
            "RECEIPT",
            "BUNDLE",
            "STATE",
            "ENDED",
            "SUBMITTED",
        ],
        rows,
    )
}

fn header(application: &pb::Application) -> String {
    let mut out = String::new();
    let receipt = if application.receipt_number.is_empty() {
        "(not accepted yet)"
    } else {
        &application.receipt_number
    };
    out.push_str(&format!("Application  {}\n", application.id));
    out.push_str(&format!("Receipt      {receipt}\n"));
    out.push_str(&format!(
        "Bundle       {} ({})\n",
        application.bundle_name, application.bundle_code
    ));
    out.push_str(&format!(
        "State        {}\n",
        application_state_name(application.state)
    ));
    if let Some(applicant) = &application.applicant {
        out.push_str(&applicant_line(applicant));
    }
    out.push_str(&format!("Front desk   {}\n", application.front_desk_clerk));
    out.push_str(&format!(
        "Submitted    {}   accepted {}   ready {}\n",
        local_time(application.submitted_at.as_ref()),
        local_time(application.accepted_at.as_ref()),
        local_time(application.ready_at.as_ref())
    ));
    out
}

/// An organisation's credit code is public; a natural person's ID number is masked.
fn applicant_line(applicant: &pb::Applicant) -> String {
    let organisation = applicant.kind == pb::ApplicantKind::Organisation as i32;
    let kind = if organisation {
        "organisation"
    } else {
        "natural person"
    };
    let id = if organisation {
        applicant.id_number.clone()
    } else {
        mask_id(&applicant.id_number)
    };
    format!("Applicant    {} — {kind}, {id}\n", applicant.name)
}

/// The latest one-time notice, only while the application still waits for materials.
fn notice(application: &pb::Application) -> String {
    let awaiting = application.state == pb::ApplicationState::AwaitingMaterials as i32;
    let Some(notice) = application.notices.last().filter(|_| awaiting) else {
        return String::new();
    };
    let mut out = format!(
        "\nOne-time notice #{} — everything still missing:\n",
        notice.number
    );
    let rows = notice
        .missing
        .iter()
        .map(|m| {
            vec![
                m.material_code.clone(),
                m.material_name.clone(),
                m.department_codes.join(", "),
            ]
        })
        .collect();
    out.push_str(&table(&["MATERIAL", "NAME", "NEEDED BY"], rows));
    out
}

fn branches(application: &pb::Application) -> String {
    let rows = application
        .branches
        .iter()
        .map(|b| {
            vec![
                b.id.clone(),
                b.matter_name.clone(),
                b.department_code.clone(),
                role_name(b.role).to_owned(),
                branch_state_name(b.state).to_owned(),
                local_time(b.started_at.as_ref()),
                deadline_text(b.deadline.as_ref()),
                outcome_text(b),
            ]
        })
        .collect();
    table(
        &[
            "BRANCH", "MATTER", "DEPT", "ROLE", "STATE", "STARTED", "DEADLINE", "OUTCOME",
        ],
        rows,
    )
}

/// The result reference or reason, and who decided: a department's clerk, or the system's rule.
fn outcome_text(branch: &pb::Branch) -> String {
    let Some(outcome) = &branch.outcome else {
        return String::new();
    };
    let who = outcome
        .decided_by
        .as_ref()
        .map(|d| format!(" — {}/{}", d.department_code, d.clerk_id))
        .unwrap_or_default();
    let who = if outcome.rule.is_empty() {
        who
    } else {
        format!(" — system, rule: {}", outcome.rule)
    };
    let text = if outcome.result_reference.is_empty() {
        &outcome.reason
    } else {
        &outcome.result_reference
    };
    format!("{text}{who}")
}

fn hand_over_line(hand_over: &pb::HandOver) -> String {
    format!(
        "\nHanded over {} by {} to {} ({} results)\n",
        local_time(hand_over.handed_at.as_ref()),
        hand_over.handed_by,
        if hand_over.recipient.is_empty() {
            "-"
        } else {
            &hand_over.recipient
        },
        hand_over.results.len()
    )
}
