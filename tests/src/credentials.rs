//! Certificates and tokens made at test time: a CA, the server's certificate, client
//! certificates naming `lianban:<role>:<name>`, and an identity provider's signing key with its
//! JWKS, all written to a temporary folder the server's configuration points at. No private key
//! outlives the test.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lianban_services::Config;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256, SanType,
};
use serde_json::{Value, json};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};

/// The issuer the test identity provider writes.
pub const ISSUER: &str = "https://idp.test";
/// The audience the test identity provider writes.
pub const AUDIENCE: &str = "lianban";

/// A test PKI and identity provider.
pub struct Credentials {
    folder: tempfile::TempDir,
    ca: Issuer<'static, KeyPair>,
    ca_pem: String,
    signing_key: KeyPair,
    kid: String,
}

impl Credentials {
    /// A fresh CA with a server certificate for 127.0.0.1 / localhost, and a signing key.
    pub fn new() -> Self {
        let folder = tempfile::tempdir().expect("temporary folder");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Lianban test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = params.self_signed(&ca_key).expect("CA certificate");
        let ca_pem = ca_cert.pem();
        let ca = Issuer::new(params, ca_key);
        let credentials = Credentials {
            folder,
            ca,
            ca_pem,
            signing_key: KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("signing key"),
            kid: uuid::Uuid::new_v4().to_string(),
        };
        let (cert, key) = credentials.issue(vec![
            SanType::DnsName("localhost".try_into().unwrap()),
            SanType::IpAddress([127, 0, 0, 1].into()),
        ]);
        credentials.write("ca.pem", &credentials.ca_pem);
        credentials.write("server.pem", &cert);
        credentials.write("server-key.pem", &key);
        credentials.write("jwks.json", &credentials.jwks().to_string());
        credentials
    }

    /// The file `name` in the credentials' folder (`jwks.json`, `ca.pem`, …).
    pub fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.path(name), text).expect("write credential");
    }

    /// A certificate and key (PEM) for `names`, issued by the CA.
    fn issue(&self, names: Vec<SanType>) -> (String, String) {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.subject_alt_names = names;
        let cert = params.signed_by(&key, &self.ca).expect("issued");
        (cert.pem(), key.serialize_pem())
    }

    /// `config` accepting this provider's tokens on a plaintext loopback server, with no
    /// certificates: what the console's sign-in and the browser tests need.
    pub fn tokens_only(&self, mut config: Config) -> Config {
        config.identity.jwks_file = Some(self.path("jwks.json"));
        config.identity.issuer = ISSUER.to_owned();
        config.identity.audience = AUDIENCE.to_owned();
        config
    }

    /// `config` serving TLS, asking for client certificates of this CA and accepting this
    /// provider's tokens.
    pub fn secure(&self, mut config: Config) -> Config {
        config.tls.cert = Some(self.path("server.pem"));
        config.tls.key = Some(self.path("server-key.pem"));
        config.tls.client_ca = Some(self.path("ca.pem"));
        config.identity.jwks_file = Some(self.path("jwks.json"));
        config.identity.issuer = ISSUER.to_owned();
        config.identity.audience = AUDIENCE.to_owned();
        config
    }

    /// A TLS channel to `address` presenting a client certificate naming `uri` (none when
    /// `None`).
    pub async fn channel(&self, address: std::net::SocketAddr, uri: Option<&str>) -> Channel {
        let mut tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(&self.ca_pem))
            .domain_name("localhost");
        if let Some(uri) = uri {
            let (cert, key) = self.issue(vec![SanType::URI(uri.try_into().unwrap())]);
            tls = tls.identity(Identity::from_pem(cert, key));
        }
        Channel::from_shared(format!("https://{address}"))
            .unwrap()
            .tls_config(tls)
            .expect("TLS configuration")
            .connect()
            .await
            .expect("server reachable over TLS")
    }

    /// The provider's public keys.
    pub fn jwks(&self) -> Value {
        let raw = self.signing_key.public_key_raw();
        json!({"keys": [{
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(&raw[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&raw[33..65]),
        }]})
    }

    /// Claims of a valid token for `sub` holding `roles`, an hour long; change them to spoil it.
    pub fn claims(&self, sub: &str, roles: &[&str]) -> Value {
        let now = chrono::Utc::now().timestamp();
        json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": sub, "roles": roles,
            "iat": now, "nbf": now - 60, "exp": now + 3600,
        })
    }

    /// `claims` signed by the provider (ES256, with its key id).
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        let key = jsonwebtoken::EncodingKey::from_ec_der(&self.signing_key.serialize_der());
        jsonwebtoken::encode(&header, claims, &key).expect("token signed")
    }

    /// A valid token for `sub` holding `roles`.
    pub fn token(&self, sub: &str, roles: &[&str]) -> String {
        self.sign(&self.claims(sub, roles))
    }
}

impl Default for Credentials {
    fn default() -> Self {
        Self::new()
    }
}

/// `message` with `token` as its bearer token.
pub fn bearer<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("ASCII token"),
    );
    request
}

/// A token with no signature: `alg: none`.
pub fn unsigned(claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}

/// `token` with its payload replaced by `claims` and the signature kept.
pub fn tampered(token: &str, claims: &Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    parts.join(".")
}

/// An identity provider's key set served over HTTP on loopback, replaceable while it runs.
pub struct JwksServer {
    /// Where the key set is.
    pub url: String,
    served: std::sync::Arc<std::sync::Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl JwksServer {
    /// Serves `jwks` at `http://127.0.0.1:<port>/jwks`.
    pub async fn start(jwks: &Value) -> Self {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        let served = std::sync::Arc::new(std::sync::Mutex::new(jwks.to_string()));
        let shared = served.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let body = shared.lock().unwrap().clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buffer).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buffer[..n]),
                        }
                    }
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(body.as_bytes()).await;
                });
            }
        });
        JwksServer { url, served, task }
    }

    /// Serves `jwks` from now on (the provider rotated its keys).
    pub fn replace(&self, jwks: &Value) {
        *self.served.lock().unwrap() = jwks.to_string();
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
