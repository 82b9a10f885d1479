//! What a connection proved of its peer, carried by every request on it: the peer's address and
//! the identity its client certificate names, read once at the end of the TLS handshake.

use std::net::SocketAddr;
use std::sync::Arc;

use super::certificate::CertificateIdentity;

/// What every request of a connection knows of its peer.
#[derive(Debug, Clone, Default)]
pub struct PeerInfo {
    /// The peer's address.
    pub remote: Option<SocketAddr>,
    /// The identity the client certificate names (or why it names none), when one was presented.
    pub certificate: Option<Arc<Result<CertificateIdentity, String>>>,
}
