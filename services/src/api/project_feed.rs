//! The live feed of `WatchProject`: first every application of the key project, then each new
//! version of one of them.
//!
//! The snapshot is read a page at a time and each page is sent through the stream's bounded
//! channel before the next is read, so a stream holds at most a page and the channel, and stops
//! reading when its client stops reading. A watcher too slow to keep up with the changes is sent
//! the whole board again rather than lose one.

use lianban_proto::v1 as pb;
use tokio::sync::broadcast::error::RecvError;

use super::answers::view;
use super::streams::{Sender, SentVersions, Streamed, async_stream};
use crate::convert;
use crate::error::Error;
use crate::runtime::Runtime;
use crate::store::{ApplicationFilter, PageRequest};

/// How many applications the snapshot reads at a time.
const SNAPSHOT_PAGE: u64 = 32;

/// Sends every application of the project as snapshot events, a page at a time; `Ok(false)`
/// when the client went away.
async fn send_board(
    runtime: &Runtime,
    project: &str,
    sender: &Sender<pb::ProjectEvent>,
    sent: &mut SentVersions,
) -> Result<bool, Error> {
    let filter = ApplicationFilter {
        key_project_code: Some(project.to_owned()),
        ..Default::default()
    };
    let mut page = PageRequest {
        size: SNAPSHOT_PAGE,
        after: None,
    };
    loop {
        let found = runtime.store().applications(&filter, &page).await?;
        let as_of_page = view(runtime);
        for application in &found.items {
            sent.is_news(application.id, application.version);
            let event = pb::ProjectEvent {
                snapshot: true,
                application: Some(convert::project_application(application, &as_of_page)),
            };
            if sender.send(Ok(event)).await.is_err() {
                return Ok(false);
            }
        }
        match found.next_after {
            Some(after) => page.after = Some(after),
            None => return Ok(true),
        }
    }
}

/// The snapshot, or the error that ends the stream; false when the stream is over.
async fn snapshot(
    runtime: &Runtime,
    project: &str,
    sender: &Sender<pb::ProjectEvent>,
    sent: &mut SentVersions,
) -> bool {
    match send_board(runtime, project, sender, sent).await {
        Ok(reading) => reading,
        Err(error) => {
            let _ = sender.send(Err(error.into())).await;
            false
        }
    }
}

/// The feed of a (registered) key project's board.
pub(crate) fn watch(runtime: Runtime, project: String) -> Streamed<pb::ProjectEvent> {
    // Subscribe before reading the snapshot, so that nothing falls between the two.
    let mut changes = runtime.subscribe();
    let stream_runtime = runtime.clone();
    async_stream(&stream_runtime, move |sender| async move {
        let mut sent = SentVersions::default();
        if !snapshot(&runtime, &project, &sender, &mut sent).await {
            return;
        }
        loop {
            let change = match changes.recv().await {
                Ok(change) => change,
                Err(RecvError::Lagged(_)) => {
                    if !snapshot(&runtime, &project, &sender, &mut sent).await {
                        return;
                    }
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            let application = &change.application;
            if application.key_project_code.as_deref() != Some(project.as_str()) {
                continue;
            }
            // One message per application version, however many branches it changed.
            if !sent.is_news(application.id, application.version) {
                continue;
            }
            let event = pb::ProjectEvent {
                snapshot: false,
                application: Some(convert::project_application(application, &view(&runtime))),
            };
            if sender.send(Ok(event)).await.is_err() {
                return;
            }
        }
    })
}
