//! A department's commands on its branches: `tasks`, `claim`, `release`, `assign` and `decide`.

use lianban_proto::v1 as pb;

use crate::args::{BranchStateArg, Caller, DecisionArgs};
use crate::connection::{CliResult, PAGE_SIZE, Transport, every_page, status_text};
use crate::keys::hash_key;
use crate::render::{application_state_name, branch_state_name, render_tasks};
use crate::wire::{branch_state_to_wire, decision_to_wire};

type TaskClient = pb::task_service_client::TaskServiceClient<Transport>;

/// Which tasks `tasks` lists.
pub struct TaskFilter {
    /// The department whose tasks these are.
    pub department: String,
    /// Only this state.
    pub state: Option<BranchStateArg>,
    /// Only the branches of this application (id), filtered by the server.
    pub application: Option<String>,
    /// Only this clerk's own queue.
    pub clerk: Option<String>,
}

/// Prints the department's tasks; with `quiet`, only their branch ids, one a line.
pub async fn list(tasks: &mut TaskClient, filter: TaskFilter, quiet: bool) -> CliResult {
    let all = all_tasks(tasks, &filter).await?;
    let selected: Vec<&pb::Task> = all.iter().collect();
    if quiet {
        for task in selected {
            println!(
                "{}",
                task.branch
                    .as_ref()
                    .map(|b| b.id.as_str())
                    .unwrap_or_default()
            );
        }
    } else {
        print!("{}", render_tasks(&selected));
    }
    Ok(())
}

/// Claims a branch for the caller's clerk and says so in one line.
pub async fn claim(tasks: &mut TaskClient, branch: String, caller: Caller) -> CliResult {
    let request = pb::ClaimTaskRequest {
        branch_id: branch,
        department_code: caller.department,
        clerk_id: caller.clerk,
    };
    let claimed = tasks
        .claim_task(request)
        .await
        .map_err(status_text)?
        .into_inner();
    println!(
        "branch {} {} by {}",
        claimed.id,
        branch_state_name(claimed.state),
        claimed.claimed_by
    );
    Ok(())
}

/// Releases the caller's claim on a branch and says so in one line.
pub async fn release(
    tasks: &mut TaskClient,
    branch: String,
    caller: Caller,
    reason: String,
) -> CliResult {
    let request = pb::ReleaseTaskRequest {
        idempotency_key: String::new(),
        branch_id: branch,
        department_code: caller.department,
        clerk_id: caller.clerk,
        reason,
    };
    let released = tasks
        .release_task(request)
        .await
        .map_err(status_text)?
        .into_inner();
    println!(
        "branch {} {}, released",
        released.id,
        branch_state_name(released.state)
    );
    Ok(())
}

/// A directed hand-over: to whom, by whom (a department's head, else a supervisor), and why.
pub struct Directed {
    /// The clerk who gets the branch.
    pub to: String,
    /// Who directs it.
    pub by: String,
    /// The department `by` heads; `None` for a supervisor.
    pub head_of: Option<String>,
    /// Why.
    pub reason: String,
}

/// Hands a branch to a named clerk of its post and says so in one line.
pub async fn assign(tasks: &mut TaskClient, branch: String, directed: Directed) -> CliResult {
    let role = match directed.head_of {
        Some(_) => pb::AssignerRole::DepartmentHead,
        None => pb::AssignerRole::Supervisor,
    };
    let request = pb::AssignTaskRequest {
        idempotency_key: String::new(),
        branch_id: branch,
        to_clerk: directed.to,
        by: directed.by,
        role: role as i32,
        department_code: directed.head_of.unwrap_or_default(),
        reason: directed.reason,
    };
    let assigned = tasks
        .assign_task(request)
        .await
        .map_err(status_text)?
        .into_inner();
    println!(
        "branch {} {}, assigned to {}",
        assigned.id,
        branch_state_name(assigned.state),
        assigned.assignee
    );
    Ok(())
}

/// Decides a branch and says in one line where the branch and its application now stand.
pub async fn decide(
    tasks: &mut TaskClient,
    branch: String,
    caller: Caller,
    decision: DecisionArgs,
    idempotency_key: Option<String>,
) -> CliResult {
    let (decision, summary) = decision_to_wire(decision);
    let key = idempotency_key.unwrap_or_else(|| {
        hash_key(&format!(
            "decide\n{branch}\n{}\n{}\n{summary}",
            caller.department, caller.clerk
        ))
    });
    let request = pb::DecideTaskRequest {
        idempotency_key: key,
        branch_id: branch,
        department_code: caller.department,
        clerk_id: caller.clerk,
        decision: Some(decision),
    };
    let response = tasks
        .decide_task(request)
        .await
        .map_err(status_text)?
        .into_inner();
    let branch = response.branch.unwrap_or_default();
    println!(
        "branch {} ({}) is {}; application {} is {}",
        branch.id,
        branch.matter_name,
        branch_state_name(branch.state),
        response.application_id,
        application_state_name(response.application_state)
    );
    for dependant in &response.dependants {
        println!(
            "  then branch {} ({}) is {}",
            dependant.id,
            dependant.matter_name,
            branch_state_name(dependant.state)
        );
    }
    Ok(())
}

/// Every task the server lists for the filter, following page tokens to the end.
async fn all_tasks(tasks: &mut TaskClient, filter: &TaskFilter) -> Result<Vec<pb::Task>, String> {
    every_page(async |page_token| {
        let request = pb::ListTasksRequest {
            clerk_id: filter.clerk.clone().unwrap_or_default(),
            department_code: filter.department.clone(),
            states: filter.state.map(branch_state_to_wire).into_iter().collect(),
            bundle_code: String::new(),
            page_size: PAGE_SIZE,
            page_token,
            application_id: filter.application.clone().unwrap_or_default(),
        };
        let page = tasks.list_tasks(request).await?.into_inner();
        Ok((page.tasks, page.next_page_token))
    })
    .await
}
