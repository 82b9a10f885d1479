//! Key projects as `projects` and `project` print them: the list, and a facilitator's board with
//! what each branch waits for.

use lianban_proto::v1 as pb;

use super::deadline::deadline_text;
use super::names::branch_state_name;
use super::table::table;

/// Key projects as a table, one row each.
pub fn render_projects(projects: &[pb::Project]) -> String {
    let rows = projects
        .iter()
        .map(|p| {
            vec![
                p.code.clone(),
                p.name.clone(),
                p.investor.clone(),
                p.investment_wan.to_string(),
                p.facilitator.clone(),
            ]
        })
        .collect();
    table(
        &[
            "PROJECT",
            "NAME",
            "INVESTOR",
            "INVESTMENT (万元)",
            "FACILITATOR",
        ],
        rows,
    )
}

/// A key project as a readable table: one row per branch of every application.
pub fn render_project(board: &pb::ProjectBoard) -> String {
    let mut out = String::new();
    if let Some(p) = &board.project {
        out.push_str(&format!(
            "{} {} — {}, {} 万元, facilitator {}\n\n",
            p.code, p.name, p.investor, p.investment_wan, p.facilitator
        ));
    }
    let mut rows = Vec::new();
    for item in &board.applications {
        let Some(application) = &item.application else {
            continue;
        };
        let receipt = if application.receipt_number.is_empty() {
            "(not accepted)"
        } else {
            &application.receipt_number
        };
        for branch in &application.branches {
            let progress = item.progress.iter().find(|p| p.branch_id == branch.id);
            rows.push(vec![
                receipt.to_owned(),
                application.bundle_name.clone(),
                branch.matter_name.clone(),
                branch.department_code.clone(),
                branch_state_name(branch.state).to_owned(),
                deadline_text(branch.deadline.as_ref()),
                waiting_text(progress),
            ]);
        }
    }
    out.push_str(&table(
        &[
            "RECEIPT",
            "BUNDLE",
            "MATTER",
            "DEPT",
            "STATE",
            "DEADLINE",
            "WAITING FOR",
        ],
        rows,
    ));
    out
}

fn waiting_text(progress: Option<&pb::BranchProgress>) -> String {
    let Some(progress) = progress else {
        return String::new();
    };
    let what = match pb::WaitingFor::try_from(progress.waiting_for) {
        Ok(pb::WaitingFor::Applicant) => "applicant",
        Ok(pb::WaitingFor::Department) => "department",
        Ok(pb::WaitingFor::Predecessor) => "predecessor",
        Ok(pb::WaitingFor::SpecialProcedure) => "special procedure",
        _ => return "-".to_owned(),
    };
    format!("{what}: {}", progress.detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_board_shows_what_each_branch_waits_for() {
        let branch = pb::Branch {
            id: "b1".into(),
            matter_name: "企业设立登记".into(),
            department_code: "scjg".into(),
            state: pb::BranchState::Open as i32,
            ..Default::default()
        };
        let board = pb::ProjectBoard {
            project: Some(pb::Project {
                code: "ZD-1".into(),
                name: "产业园".into(),
                ..Default::default()
            }),
            applications: vec![pb::ProjectApplication {
                application: Some(pb::Application {
                    receipt_number: "LB1".into(),
                    branches: vec![branch],
                    ..Default::default()
                }),
                progress: vec![pb::BranchProgress {
                    branch_id: "b1".into(),
                    waiting_for: pb::WaitingFor::Department as i32,
                    detail: "scjg".into(),
                }],
            }],
            next_page_token: String::new(),
        };
        let text = render_project(&board);
        assert!(text.contains("ZD-1 产业园"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.contains("LB1") && l.contains("open") && l.contains("department: scjg")),
            "{text}"
        );
    }
}
