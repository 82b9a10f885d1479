//! Reading the identity provider's key set from its URL: one HTTP/1.1 GET over TLS (rustls with
//! the ring provider, trusting `identity.jwks_ca` or, when unset, the public web roots), or plain
//! HTTP to a loopback address, bounded in time and size so that a slow or hostile provider cannot
//! hold the server.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// The longest a fetch may take, connection included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest key set read.
const MOST_BYTES: usize = 1024 * 1024;

/// The body of `url`, or why it could not be read.
pub async fn get(url: &str, ca: Option<&Path>) -> Result<String, String> {
    tokio::time::timeout(FETCH_TIMEOUT, fetch(url, ca))
        .await
        .map_err(|_| format!("identity.jwks_url {url}: no answer within {FETCH_TIMEOUT:?}"))?
        .map_err(|e| format!("identity.jwks_url {url}: {e}"))
}

async fn fetch(url: &str, ca: Option<&Path>) -> Result<String, String> {
    let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed.host_str().ok_or("no host")?.to_owned();
    let port = parsed.port_or_known_default().ok_or("no port")?;
    let path = match parsed.query() {
        Some(query) => format!("{}?{query}", parsed.path()),
        None => parsed.path().to_owned(),
    };
    let bare_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let tcp = TcpStream::connect((bare_host.as_str(), port))
        .await
        .map_err(|e| e.to_string())?;
    if parsed.scheme() == "http" {
        return exchange(tcp, &host, &path).await;
    }
    let connector = tokio_rustls::TlsConnector::from(client_config(ca)?);
    let name = ServerName::try_from(bare_host).map_err(|e| e.to_string())?;
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    exchange(tls, &host, &path).await
}

/// A TLS client trusting `ca`, or the public web roots.
fn client_config(ca: Option<&Path>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            for certificate in CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("identity.jwks_ca {}: {e}", path.display()))?
            {
                let certificate = certificate.map_err(|e| e.to_string())?;
                roots.add(certificate).map_err(|e| e.to_string())?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// One GET of `path` on `stream`.
async fn exchange<S>(stream: S, host: &str, path: &str) -> Result<String, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let request = http::Request::get(path)
        .header(http::header::HOST, host)
        .header(http::header::ACCEPT, "application/json")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    if response.status() != http::StatusCode::OK {
        return Err(format!("answered {}", response.status()));
    }
    let body = Limited::new(response.into_body(), MOST_BYTES)
        .collect()
        .await
        .map_err(|e| format!("the key set could not be read (at most {MOST_BYTES} bytes): {e}"))?
        .to_bytes();
    String::from_utf8(body.to_vec()).map_err(|_| "the key set is not UTF-8".to_owned())
}
