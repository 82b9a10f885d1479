//! The development CA and the certificates it signs: one server certificate for `localhost`,
//! `127.0.0.1`, `::1` and any extra host names, and client certificates naming a principal in a
//! SAN URI. Keys are ECDSA P-256; everything is held as PEM text.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType, string::Ia5String,
};
use time::{Duration, OffsetDateTime};

use super::principal::Principal;
use super::tokens;

/// How long the development CA is valid.
const CA_DAYS: i64 = 3650;
/// How long a server or client certificate is valid.
const LEAF_DAYS: i64 = 365;
/// The CA's common name.
const CA_NAME: &str = "Lianban development CA";

/// A client certificate and its key, for one principal.
#[derive(Clone, Debug)]
pub struct ClientCredential {
    /// Whom the certificate names.
    pub principal: Principal,
    /// The certificate (PEM).
    pub cert_pem: String,
    /// Its private key (PKCS#8 PEM).
    pub key_pem: String,
}

/// A development CA with a server certificate, client certificates and a JWT signing key.
#[derive(Clone, Debug)]
pub struct DevCredentials {
    /// The CA certificate (PEM): the server's `client_ca` and the client's `--ca`.
    pub ca_pem: String,
    /// The CA's private key (PKCS#8 PEM), kept to sign more client certificates.
    pub ca_key_pem: String,
    /// The server certificate (PEM), signed by the CA.
    pub server_pem: String,
    /// The server certificate's private key (PKCS#8 PEM).
    pub server_key_pem: String,
    /// One client certificate per principal asked for, in the order asked.
    pub clients: Vec<ClientCredential>,
    /// The ES256 token signing key (PKCS#8 PEM).
    pub jwt_signing_key_pem: String,
    /// The `kid` of the signing key (its JWK SHA-256 thumbprint).
    pub kid: String,
    /// The JWKS holding the signing key's public half (JSON text).
    pub jwks_json: String,
}

impl DevCredentials {
    /// A new CA, a server certificate for the loopback names plus `extra_hosts` (names or IP
    /// addresses), a client certificate for each `lianban:<role>:<name>` URI, and a signing key.
    pub fn generate(client_uris: &[&str], extra_hosts: &[&str]) -> Result<DevCredentials, String> {
        let ca_key = new_key()?;
        let ca_pem = ca_params()
            .self_signed(&ca_key)
            .map_err(|e| format!("signing the development CA: {e}"))?
            .pem();
        let issuer = Issuer::new(ca_params(), ca_key);

        let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).into();
        for host in extra_hosts {
            if !hosts.iter().any(|known| known == host) {
                hosts.push((*host).to_owned());
            }
        }
        let mut server = CertificateParams::new(hosts)
            .map_err(|e| format!("server host names {extra_hosts:?}: {e}"))?;
        server
            .distinguished_name
            .push(DnType::CommonName, "lianban server");
        server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        leaf(&mut server);
        let server_key = new_key()?;
        let server_pem = server
            .signed_by(&server_key, &issuer)
            .map_err(|e| format!("signing the server certificate: {e}"))?
            .pem();

        let mut credentials = DevCredentials {
            ca_pem,
            ca_key_pem: issuer.key().serialize_pem(),
            server_pem,
            server_key_pem: server_key.serialize_pem(),
            clients: Vec::new(),
            jwt_signing_key_pem: String::new(),
            kid: String::new(),
            jwks_json: String::new(),
        };
        for uri in client_uris {
            let client = credentials.issue_client(uri)?;
            credentials.clients.push(client);
        }
        let signing_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| format!("generating the token signing key: {e}"))?;
        credentials.jwt_signing_key_pem = signing_key.serialize_pem();
        let (kid, jwks_json) = tokens::jwk_set(&credentials.jwt_signing_key_pem)?;
        credentials.kid = kid;
        credentials.jwks_json = jwks_json;
        Ok(credentials)
    }

    /// A new client certificate for `uri` (`lianban:<role>:<name>`), signed by this CA; it is
    /// returned, not added to [`DevCredentials::clients`].
    pub fn issue_client(&self, uri: &str) -> Result<ClientCredential, String> {
        let principal = Principal::parse(uri)?;
        let ca_key = KeyPair::from_pem(&self.ca_key_pem)
            .map_err(|e| format!("reading the development CA key: {e}"))?;
        let issuer = Issuer::new(ca_params(), ca_key);
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, principal.to_string());
        let san = Ia5String::try_from(principal.to_string())
            .map_err(|e| format!("client URI {uri:?}: {e}"))?;
        params.subject_alt_names = vec![SanType::URI(san)];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        leaf(&mut params);
        let key = new_key()?;
        let cert = params
            .signed_by(&key, &issuer)
            .map_err(|e| format!("signing the client certificate for {uri}: {e}"))?;
        Ok(ClientCredential {
            principal,
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// The client credential for `uri`, if one was generated.
    pub fn client(&self, uri: &str) -> Option<&ClientCredential> {
        self.clients
            .iter()
            .find(|client| client.principal.to_string() == uri)
    }
}

/// A fresh ECDSA P-256 key.
fn new_key() -> Result<KeyPair, String> {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("generating a key: {e}"))
}

/// The CA's parameters; the same every time, so that an issuer rebuilt from the stored key
/// signs with the same name and key identifier.
fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, CA_NAME);
    name.push(DnType::OrganizationName, "Lianban development");
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(CA_DAYS);
    params
}

/// What a server and a client certificate share: a signing key usage and a validity from an
/// hour ago (clocks differ a little) for [`LEAF_DAYS`].
fn leaf(params: &mut CertificateParams) {
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.use_authority_key_identifier_extension = true;
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::hours(1);
    params.not_after = now + Duration::days(LEAF_DAYS);
}
