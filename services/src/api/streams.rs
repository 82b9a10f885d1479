//! Server streams: a task feeds a channel and the client reads it as a stream. The task ends when
//! the client goes away (a send fails), so nothing runs for a client that left, and when the
//! server begins to stop: the client then reads `UNAVAILABLE` and reconnects (to another replica
//! if there is one), so that an open stream never holds a shutdown up.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

use crate::runtime::Runtime;

/// A stream of messages or the error that ended it.
pub(crate) type Streamed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Where a stream's task sends.
pub(crate) type Sender<T> = mpsc::Sender<Result<T, Status>>;

/// What a stream's client reads when the server stops under it.
pub(crate) const STOPPING: &str =
    "the server is stopping; reconnect (to another replica if there is one)";

/// Runs `produce` as a task feeding a channel, and returns the channel as a stream; the stream
/// ends with `UNAVAILABLE` when the runtime begins to drain.
pub(crate) fn async_stream<T, F, Fut>(runtime: &Runtime, produce: F) -> Streamed<T>
where
    T: Send + 'static,
    F: FnOnce(Sender<T>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(64);
    let producing = produce(sender.clone());
    let runtime = runtime.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = producing => {}
            () = runtime.drained() => {
                let _ = sender.send(Err(Status::unavailable(STOPPING))).await;
            }
        }
    });
    Box::pin(ReceiverStream::new(receiver))
}

/// The application version each item (a branch, an application) was last sent at, so that a
/// feed sends each version once: a change committed just before the snapshot was read reaches
/// the feed after it, already shown.
#[derive(Debug, Default)]
pub(crate) struct SentVersions(std::collections::HashMap<uuid::Uuid, u64>);

impl SentVersions {
    /// Whether `version` of `id` is newer than what was sent, recording it when it is.
    pub(crate) fn is_news(&mut self, id: uuid::Uuid, version: u64) -> bool {
        match self.0.get(&id) {
            Some(&sent) if sent >= version => false,
            _ => {
                self.0.insert(id, version);
                true
            }
        }
    }
}
