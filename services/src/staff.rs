//! Posts and clerks (AB岗) over the API: declaring posts and marking clerks away or back, which
//! hands their open branches to the next available clerk of the post (or escalates them).

use lianban_orchestrator::staffing::Post;
use lianban_orchestrator::{Catalogue, Command};

use crate::error::Error;
use crate::runtime::Runtime;
use crate::store::BranchFilter;

/// Checks a post against the catalogue: its department exists and handles every matter it lists.
pub fn check_post(catalogue: &Catalogue, post: &Post) -> Result<(), Error> {
    if catalogue.department(&post.department).is_none() {
        return Err(Error::invalid(
            "post.department_code",
            format!(
                "no department with code {}",
                crate::convert::echo(&post.department)
            ),
        ));
    }
    if post.code.trim().is_empty() {
        return Err(Error::invalid("post.code", "required"));
    }
    if post.a.trim().is_empty() {
        return Err(Error::invalid("post.a", "required: the principal clerk"));
    }
    if post.matters.is_empty() {
        return Err(Error::invalid("post.matter_codes", "at least one matter"));
    }
    for (index, code) in post.matters.iter().enumerate() {
        match catalogue.matter(code) {
            Some(matter) if matter.department == post.department => {}
            Some(_) => {
                return Err(Error::invalid(
                    format!("post.matter_codes[{index}]"),
                    format!("{code} is not a matter of {}", post.department),
                ));
            }
            None => {
                return Err(Error::invalid(
                    format!("post.matter_codes[{index}]"),
                    format!("no matter with code {}", crate::convert::echo(code)),
                ));
            }
        }
    }
    Ok(())
}

/// Marks a clerk away or back and reassigns the branches that this affects; returns how many moved.
pub async fn set_availability(
    runtime: &Runtime,
    department: &str,
    clerk: &str,
    away: bool,
    reason: &str,
) -> Result<u32, Error> {
    let version = runtime
        .store()
        .set_clerk_away(department, clerk, away, reason, runtime.now())
        .await?;
    runtime.update_staffing(version, |staffing| {
        staffing.set_away(department, clerk, away)
    });
    let filter = if away {
        BranchFilter {
            department_code: Some(department.to_owned()),
            assignee: Some(clerk.to_owned()),
            ..Default::default()
        }
    } else {
        BranchFilter {
            department_code: Some(department.to_owned()),
            unstaffed_only: true,
            ..Default::default()
        }
    };
    let why = if away {
        format!("{clerk} away: {reason}")
    } else {
        format!("{clerk} back: {reason}")
    };
    let mut moved = 0;
    let mut targets = Vec::new();
    runtime
        .store()
        .scan_branches(&filter, |application, id| {
            if application.branch(id).is_some_and(|b| b.state.is_running()) {
                targets.push((application.id, id));
            }
        })
        .await?;
    for (application_id, branch_id) in targets {
        if runtime
            .execute_system(
                application_id,
                Command::Reassign {
                    branch_id,
                    reason: why.clone(),
                },
            )
            .await?
        {
            moved += 1;
        }
    }
    Ok(moved)
}
