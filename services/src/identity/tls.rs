//! The server's TLS, on rustls with the ring provider (the same as the database driver's, so the
//! process has one provider): its certificate and key, and the client CA that department and desk
//! systems' certificates are checked against. A client certificate is optional at the handshake
//! (people come with tokens instead), but one that is presented must chain to the client CA.

use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;

use super::settings::TlsConfig;
use crate::error::Error;

/// The rustls configuration `tls` describes, or `None` when the server speaks plain HTTP/2.
pub fn server_config(tls: &TlsConfig) -> Result<Option<Arc<ServerConfig>>, Error> {
    let (Some(cert), Some(key)) = (&tls.cert, &tls.key) else {
        return Ok(None);
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain = certificates(cert, "tls.cert")?;
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Error::Config(format!("tls.key {}: {e}", key.display())))?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("tls: {e}")))?;
    let builder = match &tls.client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for certificate in certificates(ca, "tls.client_ca")? {
                roots
                    .add(certificate)
                    .map_err(|e| Error::Config(format!("tls.client_ca {}: {e}", ca.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| Error::Config(format!("tls.client_ca {}: {e}", ca.display())))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| Error::Config(format!("tls.cert and tls.key: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Some(Arc::new(config)))
}

/// Every certificate of a PEM file, refusing a file that holds none.
fn certificates(path: &Path, setting: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let unreadable = |e: rustls::pki_types::pem::Error| {
        Error::Config(format!("{setting} {}: {e}", path.display()))
    };
    let found = CertificateDer::pem_file_iter(path)
        .map_err(unreadable)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(unreadable)?;
    if found.is_empty() {
        return Err(Error::Config(format!(
            "{setting} {}: no PEM certificate in the file",
            path.display()
        )));
    }
    Ok(found)
}
