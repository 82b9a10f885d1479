//! Notification subscribers: each holds a `NotificationService/Subscribe` stream of every
//! notification, first on its own replica; when the stream breaks (a killed replica, a stopped
//! database) it subscribes again on the next replica, after the position of the last
//! notification it received, as the contract says a subscriber resumes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lianban_proto::v1 as pb;

use crate::replicas::Replicas;

/// What one subscriber received.
#[derive(Default)]
pub struct Received {
    /// Positions in the order they arrived (repeats included).
    pub positions: Vec<i64>,
    /// The position of the last notification received.
    pub last: i64,
    /// Notifications received at or before a position already received.
    pub repeats: u64,
    /// Times it subscribed again after its stream broke.
    pub resubscribed: u64,
}

/// One subscriber's task: runs until aborted.
pub async fn subscriber(replicas: Arc<Replicas>, home: usize, received: Arc<Mutex<Received>>) {
    let mut attempt = 0usize;
    loop {
        let after = received.lock().expect("received").last;
        let request = pb::SubscribeRequest {
            after_position: after,
            ..Default::default()
        };
        let mut client = pb::notification_service_client::NotificationServiceClient::new(
            replicas.channel(home + attempt),
        );
        if let Ok(Ok(answer)) =
            tokio::time::timeout(Duration::from_secs(5), client.subscribe(request)).await
        {
            let mut stream = answer.into_inner();
            while let Ok(Some(notification)) = stream.message().await {
                let mut received = received.lock().expect("received");
                received.positions.push(notification.position);
                if notification.position <= received.last {
                    received.repeats += 1;
                } else {
                    received.last = notification.position;
                }
            }
        }
        attempt += 1;
        received.lock().expect("received").resubscribed += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
