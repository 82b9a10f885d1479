//! A department's tasks as it sees them, and the live feed of `WatchTasks`: first every actionable
//! task, then each change to one of the department's started branches.

use lianban_orchestrator::{Application, BranchState};
use lianban_proto::v1 as pb;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::answers::view;
use super::streams::{Streamed, async_stream};
use crate::convert;
use crate::error::Error;
use crate::runtime::Runtime;
use crate::store::BranchFilter;

/// A branch as its department sees it, as of now.
pub(crate) fn task(
    runtime: &Runtime,
    application: &Application,
    branch_id: Uuid,
) -> Option<pb::Task> {
    let branch = application.branch(branch_id)?;
    Some(convert::task_to_wire(application, branch, &view(runtime)))
}

/// Every task the department can act on now: open or claimed.
async fn actionable(runtime: &Runtime, department: &str) -> Result<Vec<pb::Task>, Error> {
    let filter = BranchFilter {
        department_code: Some(department.to_owned()),
        states: vec![BranchState::Open, BranchState::Claimed],
        bundle_code: None,
        ..Default::default()
    };
    let mut tasks = Vec::new();
    runtime
        .store()
        .scan_branches(&filter, |application, id| {
            tasks.extend(task(runtime, &application, id));
        })
        .await?;
    Ok(tasks)
}

/// The feed of a (known) department's tasks.
pub(crate) async fn watch(
    runtime: Runtime,
    department: String,
) -> Result<Streamed<pb::TaskEvent>, Error> {
    // Subscribe before reading the snapshot, so that nothing falls between the two.
    let mut changes = runtime.subscribe();
    let snapshot = actionable(&runtime, &department).await?;
    Ok(async_stream(move |sender| async move {
        for task in snapshot {
            if sender
                .send(Ok(pb::TaskEvent {
                    snapshot: true,
                    task: Some(task),
                }))
                .await
                .is_err()
            {
                return;
            }
        }
        loop {
            let events = match changes.recv().await {
                // A branch reaches its department once it has started; waiting is not news to it.
                Ok(change) if change.department_code == department => change
                    .application
                    .branch(change.branch_id)
                    .filter(|branch| branch.started_at.is_some())
                    .and_then(|_| task(&runtime, &change.application, change.branch_id))
                    .map(|task| {
                        vec![pb::TaskEvent {
                            snapshot: false,
                            task: Some(task),
                        }]
                    })
                    .unwrap_or_default(),
                Ok(_) => continue,
                // Too slow to keep up: send the whole actionable set again rather than lose changes.
                Err(RecvError::Lagged(_)) => match actionable(&runtime, &department).await {
                    Ok(tasks) => tasks
                        .into_iter()
                        .map(|t| pb::TaskEvent {
                            snapshot: true,
                            task: Some(t),
                        })
                        .collect(),
                    Err(error) => {
                        let _ = sender.send(Err(error.into())).await;
                        return;
                    }
                },
                Err(RecvError::Closed) => return,
            };
            for event in events {
                if sender.send(Ok(event)).await.is_err() {
                    return;
                }
            }
        }
    }))
}
