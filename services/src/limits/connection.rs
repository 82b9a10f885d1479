//! Accepted connections: Nagle's algorithm off (a small response must not wait for the client's
//! delayed acknowledgement), TCP keepalive on, and a deadline for the HTTP/2 connection preface,
//! so that a connection that never speaks is closed instead of held forever.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;
use tokio_stream::Stream;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::settings::LimitsConfig;

/// The length of the HTTP/2 client connection preface (`PRI * HTTP/2.0…`).
const PREFACE_BYTES: usize = 24;

/// The listener's connections, prepared as [`LimitsConfig`] says.
pub fn accept(
    listener: TcpListener,
    limits: &LimitsConfig,
) -> impl Stream<Item = io::Result<Accepted>> + use<> {
    use tokio_stream::StreamExt as _;
    let keepalive = limits.tcp_keepalive();
    let handshake = limits.handshake_timeout();
    TcpListenerStream::new(listener).map(move |stream| {
        let stream = stream?;
        stream.set_nodelay(true)?;
        SockRef::from(&stream).set_tcp_keepalive(&TcpKeepalive::new().with_time(keepalive))?;
        Ok(Accepted::new(stream, handshake))
    })
}

/// An accepted connection that is closed when its preface does not arrive in time.
#[derive(Debug)]
pub struct Accepted {
    stream: TcpStream,
    /// Until the preface is read: when the connection is given up.
    deadline: Option<Pin<Box<Sleep>>>,
    /// Bytes of the preface still awaited.
    awaited: usize,
}

impl Accepted {
    fn new(stream: TcpStream, handshake: Duration) -> Self {
        Accepted {
            stream,
            deadline: Some(Box::pin(tokio::time::sleep(handshake))),
            awaited: PREFACE_BYTES,
        }
    }
}

impl Connected for Accepted {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.stream.connect_info()
    }
}

impl AsyncRead for Accepted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.stream).poll_read(cx, buf);
        let Some(deadline) = this.deadline.as_mut() else {
            return poll;
        };
        match &poll {
            Poll::Ready(Ok(())) => {
                this.awaited = this.awaited.saturating_sub(buf.filled().len() - before);
                if this.awaited == 0 {
                    this.deadline = None;
                }
            }
            Poll::Pending if deadline.as_mut().poll(cx).is_ready() => {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client sent no HTTP/2 preface in time",
                )));
            }
            _ => {}
        }
        poll
    }
}

impl AsyncWrite for Accepted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn pair(handshake: Duration) -> (TcpStream, Accepted) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (client, Accepted::new(server, handshake))
    }

    #[tokio::test]
    async fn a_silent_connection_is_given_up_after_the_handshake_timeout() {
        // A deadline already passed: the first read that finds nothing gives up.
        let (_client, mut server) = pair(Duration::ZERO).await;
        let mut buf = [0u8; 8];
        let error = server.read(&mut buf).await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    }

    #[tokio::test]
    async fn a_connection_that_sent_its_preface_has_no_deadline() {
        let (mut client, mut server) = pair(Duration::from_secs(3600)).await;
        client.write_all(&[b'x'; PREFACE_BYTES]).await.unwrap();
        let mut buf = [0u8; PREFACE_BYTES];
        server.read_exact(&mut buf).await.unwrap();
        assert!(server.deadline.is_none(), "the preface lifts the deadline");
    }
}
