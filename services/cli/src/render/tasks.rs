//! A department's task list as `tasks` prints it.

use lianban_proto::v1 as pb;

use super::names::{branch_state_name, role_name};
use super::table::table;
use crate::time::local_time;

/// Tasks as a table, one row per branch; a task without a branch has nothing to show.
pub fn render_tasks(tasks: &[&pb::Task]) -> String {
    let rows = tasks
        .iter()
        .filter_map(|t| {
            let b = t.branch.as_ref()?;
            Some(vec![
                b.id.clone(),
                t.receipt_number.clone(),
                b.matter_name.clone(),
                role_name(b.role).to_owned(),
                branch_state_name(b.state).to_owned(),
                local_time(b.started_at.as_ref()),
                b.claimed_by.clone(),
            ])
        })
        .collect();
    table(
        &[
            "BRANCH",
            "RECEIPT",
            "MATTER",
            "ROLE",
            "STATE",
            "STARTED",
            "CLAIMED BY",
        ],
        rows,
    )
}
