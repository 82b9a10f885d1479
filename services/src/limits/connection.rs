//! Accepted connections: Nagle's algorithm off (a small response must not wait for the client's
//! delayed acknowledgement), TCP keepalive on, TLS when configured (each handshake in its own
//! task, bounded by the handshake timeout, so a slow client holds up nobody), and a deadline for
//! the HTTP/2 connection preface, so that a connection that never speaks is closed instead of
//! held forever. What the handshake proved (the client certificate's identity) travels with the
//! connection as its [`PeerInfo`], which every request of it carries.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_stream::Stream;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tonic::transport::server::Connected;

use super::settings::LimitsConfig;
use crate::identity::{PeerInfo, identity_of};

/// The length of the HTTP/2 client connection preface (`PRI * HTTP/2.0…`).
const PREFACE_BYTES: usize = 24;

/// Connections whose TLS handshake is done and not yet taken by the server.
const HANDSHAKEN_QUEUE: usize = 64;

/// The incoming connections of the server.
pub type Incoming = Pin<Box<dyn Stream<Item = io::Result<Accepted>> + Send>>;

/// The listener's connections, prepared as [`LimitsConfig`] says, through TLS when `tls` is given.
pub fn accept(
    listener: TcpListener,
    limits: &LimitsConfig,
    tls: Option<Arc<rustls::ServerConfig>>,
) -> Incoming {
    use tokio_stream::StreamExt as _;
    let keepalive = limits.tcp_keepalive();
    let handshake = limits.handshake_timeout();
    let Some(tls) = tls else {
        return Box::pin(TcpListenerStream::new(listener).map(move |stream| {
            let stream = prepared(stream?, keepalive)?;
            let peer = PeerInfo {
                remote: stream.peer_addr().ok(),
                certificate: None,
            };
            Ok(Accepted::new(Connection::Plain(stream), peer, handshake))
        }));
    };
    let (sender, receiver) = tokio::sync::mpsc::channel(HANDSHAKEN_QUEUE);
    tokio::spawn(accept_tls(
        listener,
        TlsAcceptor::from(tls),
        sender,
        keepalive,
        handshake,
    ));
    Box::pin(ReceiverStream::new(receiver))
}

fn prepared(stream: TcpStream, keepalive: Duration) -> io::Result<TcpStream> {
    stream.set_nodelay(true)?;
    SockRef::from(&stream).set_tcp_keepalive(&TcpKeepalive::new().with_time(keepalive))?;
    Ok(stream)
}

/// Accepts until the server stops taking connections, shaking hands with each in its own task.
async fn accept_tls(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    sender: tokio::sync::mpsc::Sender<io::Result<Accepted>>,
    keepalive: Duration,
    handshake: Duration,
) {
    loop {
        let accepted = tokio::select! {
            () = sender.closed() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted.and_then(|(stream, _)| prepared(stream, keepalive)) {
            Ok(stream) => stream,
            Err(error) => {
                // Out of descriptors, most likely: give the process a moment instead of spinning.
                tracing::warn!(%error, "a connection could not be accepted");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let (acceptor, sender) = (acceptor.clone(), sender.clone());
        tokio::spawn(async move {
            let remote = stream.peer_addr().ok();
            match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => {
                    let certificate = stream
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|chain| chain.first())
                        .map(|leaf| Arc::new(identity_of(leaf)));
                    let peer = PeerInfo {
                        remote,
                        certificate,
                    };
                    let connection = Connection::Tls(Box::new(stream));
                    let _ = sender
                        .send(Ok(Accepted::new(connection, peer, handshake)))
                        .await;
                }
                Ok(Err(error)) => tracing::info!(?remote, %error, "TLS handshake refused"),
                Err(_) => tracing::info!(?remote, "TLS handshake not finished in time"),
            }
        });
    }
}

/// A connection, plain or through TLS.
#[derive(Debug)]
pub enum Connection {
    /// Plain HTTP/2 (the loopback development start).
    Plain(TcpStream),
    /// HTTP/2 over TLS.
    Tls(Box<TlsStream<TcpStream>>),
}

/// An accepted connection that is closed when its preface does not arrive in time.
#[derive(Debug)]
pub struct Accepted {
    stream: Connection,
    peer: PeerInfo,
    /// Until the preface is read: when the connection is given up.
    deadline: Option<Pin<Box<Sleep>>>,
    /// Bytes of the preface still awaited.
    awaited: usize,
}

impl Accepted {
    fn new(stream: Connection, peer: PeerInfo, handshake: Duration) -> Self {
        Accepted {
            stream,
            peer,
            deadline: Some(Box::pin(tokio::time::sleep(handshake))),
            awaited: PREFACE_BYTES,
        }
    }
}

impl Connected for Accepted {
    type ConnectInfo = PeerInfo;

    fn connect_info(&self) -> PeerInfo {
        self.peer.clone()
    }
}

macro_rules! either {
    ($connection:expr, $stream:ident => $body:expr) => {
        match $connection {
            Connection::Plain($stream) => $body,
            Connection::Tls($stream) => $body,
        }
    };
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        either!(self.get_mut(), s => Pin::new(s).poll_read(cx, buf))
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        either!(self.get_mut(), s => Pin::new(s).poll_write(cx, buf))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self.get_mut(), s => Pin::new(s).poll_flush(cx))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        either!(self.get_mut(), s => Pin::new(s).poll_shutdown(cx))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        either!(self.get_mut(), s => Pin::new(s).poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        either!(self, s => s.is_write_vectored())
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
        (
            client,
            Accepted::new(Connection::Plain(server), PeerInfo::default(), handshake),
        )
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
