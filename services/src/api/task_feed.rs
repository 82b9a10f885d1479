//! A department's tasks as it sees them, and the live feed of `WatchTasks`: first every actionable
//! task, then each change to one of the department's started branches.
//!
//! The snapshot is read a page at a time and each page is sent through the stream's bounded
//! channel before the next is read, so a stream holds at most a page and the channel, and stops
//! reading when its client stops reading. The same holds when a slow stream is sent the whole
//! actionable set again.

use lianban_orchestrator::{Application, BranchState};
use lianban_proto::v1 as pb;
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::answers::view;
use super::streams::{Sender, SentVersions, Streamed, async_stream};
use super::visibility::tasks_for;
use crate::convert;
use crate::error::Error;
use crate::identity::Caller;
use crate::runtime::Runtime;
use crate::store::{BranchFilter, PageRequest};

/// How many branches the snapshot reads at a time.
const SNAPSHOT_PAGE: u64 = 64;

/// A branch as its department sees it, as of now.
pub(crate) fn task(
    runtime: &Runtime,
    application: &Application,
    branch_id: Uuid,
) -> Option<pb::Task> {
    let branch = application.branch(branch_id)?;
    Some(convert::task_to_wire(application, branch, &view(runtime)))
}

/// Whether the client is still reading.
enum Reading {
    Yes,
    Gone,
}

/// Sends every task the department can act on now (open or claimed) as snapshot events, a page
/// at a time.
async fn send_actionable(
    runtime: &Runtime,
    caller: &Caller,
    department: &str,
    sender: &Sender<pb::TaskEvent>,
    sent: &mut SentVersions,
) -> Result<Reading, Error> {
    let filter = BranchFilter {
        department_code: Some(department.to_owned()),
        states: vec![BranchState::Open, BranchState::Claimed],
        ..Default::default()
    };
    let mut page = PageRequest {
        size: SNAPSHOT_PAGE,
        after: None,
    };
    loop {
        let found = runtime.store().branches(&filter, &page).await?;
        for (application, id) in &found.items {
            let Some(mut task) = task(runtime, application, *id) else {
                continue;
            };
            sent.is_news(*id, application.version);
            tasks_for(caller, std::slice::from_mut(&mut task));
            let event = pb::TaskEvent {
                snapshot: true,
                task: Some(task),
            };
            if sender.send(Ok(event)).await.is_err() {
                return Ok(Reading::Gone);
            }
        }
        match found.next_after {
            Some(after) => page.after = Some(after),
            None => return Ok(Reading::Yes),
        }
    }
}

/// The snapshot, or the error that ends the stream; false when the stream is over.
async fn snapshot(
    runtime: &Runtime,
    caller: &Caller,
    department: &str,
    sender: &Sender<pb::TaskEvent>,
    sent: &mut SentVersions,
) -> bool {
    match send_actionable(runtime, caller, department, sender, sent).await {
        Ok(Reading::Yes) => true,
        Ok(Reading::Gone) => false,
        Err(error) => {
            let _ = sender.send(Err(error.into())).await;
            false
        }
    }
}

/// The feed of a (known) department's tasks, as `caller` may see them.
pub(crate) fn watch(
    runtime: Runtime,
    caller: Caller,
    department: String,
) -> Streamed<pb::TaskEvent> {
    // Subscribe before reading the snapshot, so that nothing falls between the two.
    let mut changes = runtime.subscribe();
    let stream_runtime = runtime.clone();
    async_stream(&stream_runtime, move |sender| async move {
        let mut sent = SentVersions::default();
        if !snapshot(&runtime, &caller, &department, &sender, &mut sent).await {
            return;
        }
        loop {
            let event = match changes.recv().await {
                // A branch reaches its department once it has started; waiting is not news to it.
                Ok(change) if change.department_code == department => change
                    .application
                    .branch(change.branch_id)
                    .filter(|branch| branch.started_at.is_some())
                    .filter(|_| sent.is_news(change.branch_id, change.application.version))
                    .and_then(|_| task(&runtime, &change.application, change.branch_id))
                    .map(|mut task| {
                        tasks_for(&caller, std::slice::from_mut(&mut task));
                        pb::TaskEvent {
                            snapshot: false,
                            task: Some(task),
                        }
                    }),
                Ok(_) => continue,
                // Too slow to keep up: send the whole actionable set again rather than lose changes.
                Err(RecvError::Lagged(_)) => {
                    if !snapshot(&runtime, &caller, &department, &sender, &mut sent).await {
                        return;
                    }
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            if let Some(event) = event
                && sender.send(Ok(event)).await.is_err()
            {
                return;
            }
        }
    })
}
