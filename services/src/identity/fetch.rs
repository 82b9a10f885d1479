//! Talking to the identity provider: reading its key set (one HTTP/1.1 GET) and exchanging a
//! sign-in code at its token endpoint (one form POST), over TLS (rustls with the ring provider,
//! trusting the configured CA or, when unset, the public web roots) or plain HTTP to a loopback
//! address, bounded in time and size so that a slow or hostile provider cannot hold the server.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// The longest a fetch may take, connection included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest answer read.
const MOST_BYTES: usize = 1024 * 1024;

/// The body of `url`, or why it could not be read.
pub async fn get(url: &str, ca: Option<&Path>) -> Result<String, String> {
    tokio::time::timeout(FETCH_TIMEOUT, fetch(url, ca, None))
        .await
        .map_err(|_| format!("identity.jwks_url {url}: no answer within {FETCH_TIMEOUT:?}"))?
        .map_err(|e| format!("identity.jwks_url {url}: {e}"))
}

/// The answer of `url` to a form POST of `form` (already encoded), or why there is none.
pub async fn post_form(url: &str, ca: Option<&Path>, form: String) -> Result<String, String> {
    tokio::time::timeout(FETCH_TIMEOUT, fetch(url, ca, Some(form)))
        .await
        .map_err(|_| format!("{url}: no answer within {FETCH_TIMEOUT:?}"))?
        .map_err(|e| format!("{url}: {e}"))
}

async fn fetch(url: &str, ca: Option<&Path>, form: Option<String>) -> Result<String, String> {
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
        return exchange(tcp, &host, &path, form).await;
    }
    let connector = tokio_rustls::TlsConnector::from(client_config(ca)?);
    let name = ServerName::try_from(bare_host).map_err(|e| e.to_string())?;
    let tls = connector
        .connect(name, tcp)
        .await
        .map_err(|e| e.to_string())?;
    exchange(tls, &host, &path, form).await
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

/// One GET of `path` on `stream`, or a form POST when `form` is given.
async fn exchange<S>(
    stream: S,
    host: &str,
    path: &str,
    form: Option<String>,
) -> Result<String, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(connection);
    let builder = http::Request::builder()
        .uri(path)
        .header(http::header::HOST, host)
        .header(http::header::ACCEPT, "application/json");
    let request = match form {
        Some(form) => builder
            .method(http::Method::POST)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(Full::new(Bytes::from(form))),
        None => builder
            .method(http::Method::GET)
            .body(Full::new(Bytes::new())),
    }
    .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = Limited::new(response.into_body(), MOST_BYTES)
        .collect()
        .await
        .map_err(|e| format!("the answer could not be read (at most {MOST_BYTES} bytes): {e}"))?
        .to_bytes();
    let text =
        String::from_utf8(body.to_vec()).map_err(|_| "the answer is not UTF-8".to_owned())?;
    if status != http::StatusCode::OK {
        let shown: String = text.chars().take(200).collect();
        return Err(format!("answered {status}: {shown}"));
    }
    Ok(text)
}
