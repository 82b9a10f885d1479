//! `NotificationService`: the outbox, as a live feed from a position on and as an application's or
//! a session's list (paged by position, optionally of one kind). The feed reads the store, never
//! the change channel, so that it misses nothing: it sleeps until a commit says notifications were
//! written, then reads again from its cursor.

use lianban_proto::v1 as pb;
use lianban_proto::v1::notification_service_server::NotificationService;
use tonic::Request;

use super::answers::{Reply, inbound_as, ok};
use super::checks::optional_department;
use super::streams::{Streamed, async_stream};
use super::visibility::notice_scope;
use crate::convert::{self, optional_uuid};
use crate::error::Error;
use crate::runtime::Runtime;
use crate::store::NotificationFilter;

/// How many notifications the feed reads at a time.
const FEED_BATCH: u64 = 256;

/// Notifications from the outbox.
pub struct NotificationApi {
    runtime: Runtime,
}

impl NotificationApi {
    /// Over a runtime.
    pub fn new(runtime: Runtime) -> Self {
        NotificationApi { runtime }
    }
}

#[tonic::async_trait]
impl NotificationService for NotificationApi {
    type SubscribeStream = Streamed<pb::Notification>;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Reply<Self::SubscribeStream> {
        let (caller, request) = inbound_as(request)?;
        if request.after_position < 0 {
            return Err(Error::invalid("after_position", "0 or a position received before").into());
        }
        let audience = convert::audience(request.audience)?;
        let department = optional_department(self.runtime.catalogue(), &request.department_code)?;
        let (audience, department) = notice_scope(&caller, audience, department)?;
        // Parsed and written again, so that an id in capitals finds the same notices.
        let application = optional_uuid("application_id", &request.application_id)?;
        let filter = NotificationFilter {
            audience: audience.map(str::to_owned),
            department_code: department,
            application_id: application.map(|id| id.to_string()),
            ..Default::default()
        };
        ok(feed(self.runtime.clone(), filter, request.after_position))
    }

    async fn list_notifications(
        &self,
        request: Request<pb::ListNotificationsRequest>,
    ) -> Reply<pb::ListNotificationsResponse> {
        let (caller, request) = inbound_as(request)?;
        let (audience, department) = notice_scope(&caller, None, None)?;
        let application = optional_uuid("application_id", &request.application_id)?;
        let session = optional_uuid("session_id", &request.session_id)?;
        if application.is_none() && session.is_none() {
            return Err(
                Error::invalid("application_id", "required unless session_id is set").into(),
            );
        }
        let filter = NotificationFilter {
            application_id: application.map(|id| id.to_string()),
            session_id: session.map(|id| id.to_string()),
            kind: convert::notification_kind(request.kind)?,
            audience: audience.map(str::to_owned),
            department_code: department,
        };
        let page = convert::position_page(request.page_size, &request.page_token)?;
        let mut stored = self
            .runtime
            .store()
            .notifications_after(page.after.unwrap_or(0), &filter, page.size + 1)
            .await
            .map_err(Error::from)?;
        let more = stored.len() as u64 > page.size;
        stored.truncate(page.size as usize);
        let last = stored.last().map(|n| n.position).filter(|_| more);
        ok(pb::ListNotificationsResponse {
            notifications: stored
                .into_iter()
                .map(convert::notification_to_wire)
                .collect(),
            next_page_token: convert::position_token(last),
        })
    }
}

/// The notifications `filter` selects after position `cursor`, then each as it is committed.
fn feed(
    runtime: Runtime,
    filter: NotificationFilter,
    mut cursor: i64,
) -> Streamed<pb::Notification> {
    // Watch before the first read, so that a commit between the read and the wait is not slept through.
    let mut committed = runtime.notifications_committed();
    let stream_runtime = runtime.clone();
    async_stream(&stream_runtime, move |sender| async move {
        loop {
            committed.borrow_and_update();
            let batch = match runtime
                .store()
                .notifications_after(cursor, &filter, FEED_BATCH)
                .await
            {
                Ok(batch) => batch,
                Err(error) => {
                    let _ = sender.send(Err(Error::from(error).into())).await;
                    return;
                }
            };
            let caught_up = batch.len() < FEED_BATCH as usize;
            for stored in batch {
                cursor = stored.position;
                if sender
                    .send(Ok(convert::notification_to_wire(stored)))
                    .await
                    .is_err()
                {
                    return;
                }
            }
            if caught_up {
                tokio::select! {
                    changed = committed.changed() => if changed.is_err() { return },
                    () = sender.closed() => return,
                }
            }
        }
    })
}
