//! Server streams: a task feeds a channel and the client reads it as a stream. The task ends when
//! the client goes away (a send fails), so nothing runs for a client that left.

use std::future::Future;
use std::pin::Pin;

use tokio::sync::mpsc;
use tokio_stream::Stream;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

/// A stream of messages or the error that ended it.
pub(crate) type Streamed<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Where a stream's task sends.
pub(crate) type Sender<T> = mpsc::Sender<Result<T, Status>>;

/// Runs `produce` as a task feeding a channel, and returns the channel as a stream.
pub(crate) fn async_stream<T, F, Fut>(produce: F) -> Streamed<T>
where
    T: Send + 'static,
    F: FnOnce(Sender<T>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let (sender, receiver) = mpsc::channel(64);
    tokio::spawn(produce(sender));
    Box::pin(ReceiverStream::new(receiver))
}
