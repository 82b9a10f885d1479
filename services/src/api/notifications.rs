//! `NotificationService`: the outbox, as a live feed from a position on and as one application's
//! list. The feed reads the store, never the change channel, so that it misses nothing: it sleeps
//! until a commit says notifications were written, then reads again from its cursor.

use lianban_proto::v1 as pb;
use lianban_proto::v1::notification_service_server::NotificationService;
use tonic::Request;

use super::answers::{Reply, inbound, ok};
use super::checks::optional_department;
use super::streams::{Streamed, async_stream};
use crate::convert::{self, optional_text, uuid_field};
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
        let request = inbound(request)?;
        if request.after_position < 0 {
            return Err(Error::invalid("after_position", "0 or a position received before").into());
        }
        let audience = convert::audience(request.audience)?;
        let department = optional_department(self.runtime.catalogue(), &request.department_code)?;
        let application = optional_text(&request.application_id);
        if let Some(id) = &application {
            uuid_field("application_id", id)?;
        }
        let filter = NotificationFilter {
            audience: audience.map(str::to_owned),
            department_code: department,
            application_id: application,
        };
        ok(feed(self.runtime.clone(), filter, request.after_position))
    }

    async fn list_notifications(
        &self,
        request: Request<pb::ListNotificationsRequest>,
    ) -> Reply<pb::ListNotificationsResponse> {
        let id = uuid_field("application_id", &inbound(request)?.application_id)?;
        let filter = NotificationFilter {
            application_id: Some(id.to_string()),
            ..Default::default()
        };
        let stored = self
            .runtime
            .store()
            .notifications_after(0, &filter, 10_000)
            .await
            .map_err(Error::from)?;
        ok(pb::ListNotificationsResponse {
            notifications: stored
                .into_iter()
                .map(convert::notification_to_wire)
                .collect(),
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
    async_stream(move |sender| async move {
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
