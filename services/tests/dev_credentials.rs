//! The development credentials work as the server will use them: a TLS handshake with the
//! generated server certificate and a client certificate of the same CA succeeds over a loopback
//! socket (rustls with the ring provider, client certificates required), one from another CA is
//! refused, and minted tokens verify against the written `jwks.json` unless expired, unsigned,
//! tampered with or meant for someone else.

use std::sync::Arc;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use lianban_services::dev_credentials::{
    Claims, ClientCredential, DevCredentials, TokenMint, tampered, unsigned,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use tokio::net::{TcpListener, TcpStream};

const SCJG: &str = "lianban:department:scjg";

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(pem: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap()
}

fn key(pem: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_slice(pem.as_bytes()).unwrap()
}

/// The server's side: its certificate, and client certificates verified against its CA.
fn server_config(credentials: &DevCredentials) -> rustls::ServerConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs(&credentials.ca_pem) {
        roots.add(cert).unwrap();
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
        .build()
        .unwrap();
    rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            certs(&credentials.server_pem),
            key(&credentials.server_key_pem),
        )
        .unwrap()
}

/// The client's side: trusting `ca_pem`, presenting `client`.
fn client_config(ca_pem: &str, client: &ClientCredential) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs(ca_pem) {
        roots.add(cert).unwrap();
    }
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(certs(&client.cert_pem), key(&client.key_pem))
        .unwrap()
}

/// One handshake over a loopback socket; the server's outcome, with the client certificate it
/// accepted (DER) when it did.
async fn handshake(
    server: rustls::ServerConfig,
    client: rustls::ClientConfig,
    host: &str,
) -> Result<Vec<u8>, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
    let name = ServerName::try_from(host.to_owned()).unwrap();
    let accepting = async {
        let (socket, _) = listener.accept().await.unwrap();
        let stream = acceptor.accept(socket).await.map_err(|e| e.to_string())?;
        let peer = stream.get_ref().1.peer_certificates().unwrap_or_default();
        Ok::<_, String>(peer.first().map(|c| c.to_vec()).unwrap_or_default())
    };
    let connecting = async {
        let socket = TcpStream::connect(address).await.unwrap();
        connector
            .connect(name, socket)
            .await
            .map_err(|e| e.to_string())
    };
    let (accepted, connected) = tokio::join!(accepting, connecting);
    connected?;
    accepted
}

#[tokio::test]
async fn a_client_certificate_of_the_development_ca_is_accepted_with_its_uri() {
    let credentials = DevCredentials::generate(&[SCJG, "lianban:dispatch:window-1"], &[]).unwrap();
    assert_eq!(credentials.clients.len(), 2);
    let client = credentials.client(SCJG).unwrap();
    for host in ["localhost", "127.0.0.1", "::1"] {
        let peer = handshake(
            server_config(&credentials),
            client_config(&credentials.ca_pem, client),
            host,
        )
        .await
        .unwrap_or_else(|e| panic!("handshake as {host}: {e}"));
        let der = String::from_utf8_lossy(&peer).into_owned();
        assert!(der.contains(SCJG), "the client certificate names its URI");
    }
}

#[tokio::test]
async fn extra_host_names_are_in_the_server_certificate() {
    let credentials = DevCredentials::generate(&[SCJG], &["lianban.internal"]).unwrap();
    let client = credentials.client(SCJG).unwrap();
    handshake(
        server_config(&credentials),
        client_config(&credentials.ca_pem, client),
        "lianban.internal",
    )
    .await
    .unwrap();
    let refused = handshake(
        server_config(&credentials),
        client_config(&credentials.ca_pem, client),
        "elsewhere.internal",
    )
    .await;
    assert!(refused.is_err(), "a name the certificate lacks is refused");
}

#[tokio::test]
async fn a_client_certificate_of_another_ca_is_refused() {
    let ours = DevCredentials::generate(&[], &[]).unwrap();
    let theirs = DevCredentials::generate(&[SCJG], &[]).unwrap();
    let stranger = theirs.client(SCJG).unwrap();
    let outcome = handshake(
        server_config(&ours),
        client_config(&ours.ca_pem, stranger),
        "localhost",
    )
    .await;
    let error = outcome.expect_err("the server refuses a certificate its CA did not sign");
    assert!(error.to_lowercase().contains("certificate"), "{error}");

    // A client certificate issued later by the same CA (its key kept) is accepted.
    let late = ours.issue_client("lianban:auditor:archive").unwrap();
    handshake(
        server_config(&ours),
        client_config(&ours.ca_pem, &late),
        "localhost",
    )
    .await
    .unwrap();
}

/// Verifies `token` against the JWKS text as a server would (ES256, the dev issuer, `lianban`).
fn verify(jwks_json: &str, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
    let set: JwkSet = serde_json::from_str(jwks_json).unwrap();
    let kid = decode_header(token)?.kid.unwrap_or_default();
    let jwk = set.find(&kid).expect("the token's kid is in the JWKS");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&["lianban-dev"]);
    validation.set_audience(&["lianban"]);
    validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    validation.validate_nbf = true;
    validation.leeway = 0;
    decode::<Claims>(token, &DecodingKey::from_jwk(jwk)?, &validation).map(|data| data.claims)
}

#[test]
fn a_minted_token_verifies_against_the_written_jwks() {
    let credentials = DevCredentials::generate(&[SCJG], &[]).unwrap();
    let folder = tempfile::tempdir().unwrap();
    let written = credentials.write_to(folder.path()).unwrap();
    for name in [
        "ca.pem",
        "ca-key.pem",
        "server.pem",
        "server-key.pem",
        "clients/department-scjg.pem",
        "clients/department-scjg-key.pem",
        "jwt-signing-key.pem",
        "jwks.json",
    ] {
        let path = folder.path().join(name);
        assert!(written.contains(&path), "{name} is written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            if name.ends_with("key.pem") {
                assert_eq!(mode, 0o600, "{name} is private");
            }
        }
    }
    let jwks = std::fs::read_to_string(folder.path().join("jwks.json")).unwrap();
    let key = std::fs::read_to_string(folder.path().join("jwt-signing-key.pem")).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "PKCS#8");

    let mint = TokenMint::development(&key).unwrap();
    assert_eq!(mint.kid(), credentials.kid);
    let mut claims = mint.claims("clerk-7", &["department"], 3600);
    claims.department = Some("scjg".into());
    claims.name = Some("王芳".into());
    let token = mint.token(&claims).unwrap();
    let header = decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
    assert_eq!(header.kid.as_deref(), Some(credentials.kid.as_str()));
    assert_eq!(verify(&jwks, &token).unwrap(), claims);
}

#[test]
fn bad_tokens_are_refused() {
    let credentials = DevCredentials::generate(&[], &[]).unwrap();
    let jwks = &credentials.jwks_json;
    let mint = TokenMint::development(&credentials.jwt_signing_key_pem).unwrap();
    let roles = ["facilitator"];

    let expired = mint.expired("p-1", &roles).unwrap();
    assert!(verify(jwks, &expired).is_err(), "expired");
    let early = mint.not_yet_valid("p-1", &roles).unwrap();
    assert!(verify(jwks, &early).is_err(), "not yet valid");

    let mut elsewhere = mint.claims("p-1", &roles, 600);
    elsewhere.aud = "another-system".into();
    assert!(
        verify(jwks, &mint.token(&elsewhere).unwrap()).is_err(),
        "aud"
    );
    let mut forged = mint.claims("p-1", &roles, 600);
    forged.iss = "someone-else".into();
    assert!(verify(jwks, &mint.token(&forged).unwrap()).is_err(), "iss");

    let good = mint.claims("p-1", &roles, 600);
    assert!(verify(jwks, &mint.token(&good).unwrap()).is_ok());
    assert!(verify(jwks, &unsigned(&good)).is_err(), "alg none");
    let mut promoted = good.clone();
    promoted.roles = vec!["admin".into()];
    let changed = tampered(&mint.token(&good).unwrap(), &promoted);
    assert!(verify(jwks, &changed).is_err(), "tampered payload");

    let other = DevCredentials::generate(&[], &[]).unwrap();
    let stranger = TokenMint::new(
        &other.jwt_signing_key_pem,
        &credentials.kid,
        "lianban-dev",
        "lianban",
    )
    .unwrap();
    let token = stranger
        .token(&stranger.claims("p-1", &roles, 600))
        .unwrap();
    assert!(verify(jwks, &token).is_err(), "another key under our kid");
}
