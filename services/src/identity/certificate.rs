//! What a client certificate says of its holder: the one `lianban:<role>:<name>` URI among its
//! subject alternative names (`lianban:department:scjg`, `lianban:front-desk:desk-1`), and its
//! serial. rustls has already checked the chain against the client CA; this only reads the leaf.

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::principal::Role;

/// The URI scheme of the identities the centre's CA writes into client certificates.
pub const URI_SCHEME: &str = "lianban:";

/// The identity a verified client certificate names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateIdentity {
    /// The role the URI names.
    pub role: Role,
    /// The name after the role: a department's code, or the system's id.
    pub name: String,
    /// The whole URI, as written.
    pub uri: String,
    /// The certificate's serial number, hex.
    pub serial: String,
}

/// The identity of a DER certificate, or why it names none.
pub fn identity_of(der: &[u8]) -> Result<CertificateIdentity, String> {
    let (_, certificate) = X509Certificate::from_der(der)
        .map_err(|e| format!("the client certificate could not be read: {e}"))?;
    let serial = certificate.raw_serial_as_string().replace(':', "");
    let names = certificate
        .subject_alternative_name()
        .map_err(|e| format!("the certificate's alternative names could not be read: {e}"))?;
    let uris: Vec<&str> = names
        .iter()
        .flat_map(|extension| extension.value.general_names.iter())
        .filter_map(|name| match name {
            GeneralName::URI(uri) if uri.starts_with(URI_SCHEME) => Some(*uri),
            _ => None,
        })
        .collect();
    let [uri] = uris.as_slice() else {
        return Err(format!(
            "a client certificate must name exactly one {URI_SCHEME}<role>:<name> URI; this one names {}",
            uris.len()
        ));
    };
    parse_uri(uri).map(|(role, name)| CertificateIdentity {
        role,
        name,
        uri: (*uri).to_owned(),
        serial,
    })
}

/// `lianban:<role>:<name>` read into its role and name.
pub fn parse_uri(uri: &str) -> Result<(Role, String), String> {
    let rest = uri.strip_prefix(URI_SCHEME).unwrap_or(uri);
    let (role, name) = rest
        .split_once(':')
        .ok_or_else(|| format!("{uri} is not {URI_SCHEME}<role>:<name>"))?;
    let role = Role::parse(role).ok_or_else(|| format!("{uri} names no known role"))?;
    let name = name.trim();
    let fits = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !fits {
        return Err(format!(
            "{uri}: the name must be 1–64 letters, digits, '-', '_' or '.'"
        ));
    }
    Ok((role, name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_names_a_role_and_a_name() {
        assert_eq!(
            parse_uri("lianban:department:scjg"),
            Ok((Role::Department, "scjg".to_owned()))
        );
        assert_eq!(
            parse_uri("lianban:front-desk:desk-1"),
            Ok((Role::FrontDesk, "desk-1".to_owned()))
        );
        assert!(parse_uri("lianban:root:x").is_err());
        assert!(parse_uri("lianban:department:").is_err());
        assert!(parse_uri("lianban:department:a/b").is_err());
        assert!(parse_uri("lianban:department").is_err());
    }

    #[test]
    fn a_certificate_without_a_lianban_uri_names_nobody() {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["somewhere.example".to_owned()]).unwrap();
        let certificate = params.self_signed(&key).unwrap();
        assert!(identity_of(certificate.der()).is_err());
    }

    #[test]
    fn a_certificate_with_one_lianban_uri_names_it() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.subject_alt_names = vec![rcgen::SanType::URI(
            "lianban:department:scjg".try_into().unwrap(),
        )];
        let certificate = params.self_signed(&key).unwrap();
        let identity = identity_of(certificate.der()).unwrap();
        assert_eq!(identity.role, Role::Department);
        assert_eq!(identity.name, "scjg");
        assert!(!identity.serial.is_empty());
    }
}
