//! The one channel to the server and the service clients on it, and how a failed call reads.
//! Every command goes through here, so the wording of "cannot reach" and of gRPC errors is shared,
//! and so is walking a paged list to its end.

use std::path::{Path, PathBuf};

use lianban_proto::v1 as pb;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// What a command returns: nothing, or the message printed after `lianban: `.
pub type CliResult = Result<(), String>;

/// The channel every client speaks over: the connection, with the caller's token on each call.
pub type Transport = InterceptedService<Channel, Bearer>;

/// A client for each gRPC service the CLI calls, all on one channel.
pub struct Clients {
    /// Submissions, supplements, look-ups and withdrawals.
    pub intake: pb::intake_service_client::IntakeServiceClient<Transport>,
    /// Department task lists, claims and decisions.
    pub tasks: pb::task_service_client::TaskServiceClient<Transport>,
    /// The ready list and the hand-over.
    pub dispatch: pb::dispatch_service_client::DispatchServiceClient<Transport>,
    /// Key projects and their boards.
    pub projects: pb::project_service_client::ProjectServiceClient<Transport>,
    /// Joint review sessions.
    pub sessions: pb::session_service_client::SessionServiceClient<Transport>,
    /// Bundles of the catalogue.
    pub catalog: pb::catalog_service_client::CatalogServiceClient<Transport>,
    /// The national data exchange's records.
    pub exchange: pb::exchange_service_client::ExchangeServiceClient<Transport>,
    /// The monthly assessment.
    pub assessment: pb::assessment_service_client::AssessmentServiceClient<Transport>,
}

/// How the CLI proves who it is: TLS with the server's CA (and a client certificate), a token.
#[derive(Default)]
pub struct Security {
    /// The CA bundle the server's certificate is checked against; TLS is used when given.
    pub ca: Option<PathBuf>,
    /// The client certificate (PEM), with `key`.
    pub cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    pub key: Option<PathBuf>,
    /// A bearer token sent as `authorization: Bearer <token>` on every call.
    pub token: Option<String>,
}

/// Puts the caller's token, if any, on every request.
#[derive(Clone)]
pub struct Bearer(Option<MetadataValue<Ascii>>);

impl Interceptor for Bearer {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

/// Connects to `server` before any command runs, so an unreachable server is reported as such.
/// With a CA the connection is TLS (an `http://` address is taken as `https://`), with a client
/// certificate when one is given.
pub async fn connect(server: &str, security: &Security) -> Result<Clients, String> {
    let bearer = bearer(security.token.as_deref())?;
    let (address, tls) = tls_settings(server, security)?;
    let mut endpoint = Endpoint::from_shared(address.clone())
        .map_err(|e| format!("server address {server}: {e}"))?;
    if let Some(tls) = tls {
        endpoint = endpoint
            .tls_config(tls)
            .map_err(|e| format!("TLS settings for {address}: {e}"))?;
    }
    let channel = endpoint
        .connect()
        .await
        .map_err(|e| format!("cannot reach {address}: {}", error_chain(&e)))?;
    let transport = InterceptedService::new(channel, bearer);
    Ok(Clients {
        intake: pb::intake_service_client::IntakeServiceClient::new(transport.clone()),
        tasks: pb::task_service_client::TaskServiceClient::new(transport.clone()),
        dispatch: pb::dispatch_service_client::DispatchServiceClient::new(transport.clone()),
        projects: pb::project_service_client::ProjectServiceClient::new(transport.clone()),
        sessions: pb::session_service_client::SessionServiceClient::new(transport.clone()),
        catalog: pb::catalog_service_client::CatalogServiceClient::new(transport.clone()),
        exchange: pb::exchange_service_client::ExchangeServiceClient::new(transport.clone()),
        assessment: pb::assessment_service_client::AssessmentServiceClient::new(transport),
    })
}

/// The `authorization` value for `token`, refused when it could not travel in a header.
fn bearer(token: Option<&str>) -> Result<Bearer, String> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Bearer(None));
    };
    let mut value = MetadataValue::try_from(format!("Bearer {token}"))
        .map_err(|_| "the token holds characters a header cannot carry".to_owned())?;
    value.set_sensitive(true);
    Ok(Bearer(Some(value)))
}

/// The address to dial and the TLS settings, from the flags: none without a CA.
fn tls_settings(
    server: &str,
    security: &Security,
) -> Result<(String, Option<ClientTlsConfig>), String> {
    let Some(ca) = &security.ca else {
        if security.cert.is_some() || security.key.is_some() {
            return Err(
                "--cert and --key need --ca (the CA that signed the server's certificate)".into(),
            );
        }
        return Ok((server.to_owned(), None));
    };
    let address = match server.strip_prefix("http://") {
        Some(rest) => format!("https://{rest}"),
        None => server.to_owned(),
    };
    let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read(ca)?));
    match (&security.cert, &security.key) {
        (Some(cert), Some(key)) => {
            tls = tls.identity(Identity::from_pem(read(cert)?, read(key)?));
        }
        (None, None) => {}
        _ => return Err("--cert and --key go together".into()),
    }
    Ok((address, Some(tls)))
}

/// A file's bytes, or an error naming the file.
fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// An error with its causes, which say why a TLS connection failed.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

/// The most items the CLI asks for in one page.
pub const PAGE_SIZE: u32 = 500;

/// Every item of a paged list: `page` is asked for pages (given the token, answering the items and
/// the next token) until the answer has no next token.
pub async fn every_page<T>(
    mut page: impl AsyncFnMut(String) -> Result<(Vec<T>, String), tonic::Status>,
) -> Result<Vec<T>, String> {
    let mut items = Vec::new();
    let mut token = String::new();
    loop {
        let (found, next) = page(token).await.map_err(status_text)?;
        items.extend(found);
        if next.is_empty() {
            return Ok(items);
        }
        token = next;
    }
}

/// A refused call as `Code: message`, the server's own explanation.
pub fn status_text(status: tonic::Status) -> String {
    format!("{:?}: {}", status.code(), status.message())
}

/// The application id for an id or a receipt number: the server accepts either in a look-up,
/// while the commands that change an application need its id.
pub async fn resolve_id(
    intake: &mut pb::intake_service_client::IntakeServiceClient<Transport>,
    id_or_receipt: &str,
) -> Result<String, String> {
    let found = intake
        .get_application(pb::GetApplicationRequest {
            application_id: id_or_receipt.to_owned(),
        })
        .await
        .map_err(status_text)?;
    Ok(found.into_inner().id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_travels_as_a_bearer_header_on_every_call() {
        let mut bearer = bearer(Some(" eyJ.abc.def\n")).unwrap();
        for _ in 0..2 {
            let request = bearer.call(tonic::Request::new(())).unwrap();
            let value = request.metadata().get("authorization").unwrap();
            assert_eq!(value.to_str().unwrap(), "Bearer eyJ.abc.def");
        }
        let mut none = super::bearer(None).unwrap();
        let request = none.call(tonic::Request::new(())).unwrap();
        assert!(request.metadata().get("authorization").is_none());
        assert!(super::bearer(Some("a\u{7}b")).is_err());
    }

    #[test]
    fn a_ca_turns_an_http_address_into_https_and_missing_files_are_named() {
        let plain = tls_settings("http://127.0.0.1:50051", &Security::default()).unwrap();
        assert_eq!(plain.0, "http://127.0.0.1:50051");
        assert!(plain.1.is_none());

        let folder = tempfile::tempdir().unwrap();
        let ca = folder.path().join("ca.pem");
        std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\n").unwrap();
        let security = Security {
            ca: Some(ca.clone()),
            ..Security::default()
        };
        let secure = tls_settings("http://localhost:50051", &security).unwrap();
        assert_eq!(secure.0, "https://localhost:50051");
        assert!(secure.1.is_some());

        let security = Security {
            ca: Some(ca),
            cert: Some(folder.path().join("missing-cert.pem")),
            key: Some(folder.path().join("missing-key.pem")),
            token: None,
        };
        let error = tls_settings("https://localhost:50051", &security).unwrap_err();
        assert!(error.contains("missing-cert.pem"), "{error}");
    }
}
