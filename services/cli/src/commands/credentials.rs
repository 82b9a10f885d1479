//! `dev-certs` and `dev-token`: development credentials written to a folder and tokens signed
//! with their key, and the settings that use them printed for the server and the client. They
//! run without a server.

use std::fmt::Write as _;
use std::path::Path;

use lianban_orchestrator::catalogue::{Catalogue, CatalogueSource};

use crate::args::{DevCertsArgs, DevTokenArgs, TokenRole};
use crate::connection::CliResult;
use crate::dev_credentials::{DevCredentials, TokenMint, jwk_set};

/// The sample catalogue's departments, the same file the server embeds.
const SAMPLE_DEPARTMENTS: &str = include_str!("../../../catalogue/departments.toml");

/// The non-department systems `dev-certs` makes a certificate for.
const OTHER_CLIENTS: &[&str] = &["lianban:front-desk:desk-1", "lianban:dispatch:window-1"];

/// Writes the credentials and prints the configuration that uses them.
pub fn dev_certs(args: &DevCertsArgs) -> CliResult {
    let hosts: Vec<&str> = args.hosts.iter().map(String::as_str).collect();
    let mut uris: Vec<String> = department_codes(args.catalogue_dir.as_deref())?
        .into_iter()
        .map(|code| format!("lianban:department:{code}"))
        .collect();
    uris.extend(OTHER_CLIENTS.iter().map(|uri| (*uri).to_owned()));
    let uris: Vec<&str> = uris.iter().map(String::as_str).collect();
    let credentials = DevCredentials::generate(&uris, &hosts)?;
    let written = credentials.write_to(&args.out)?;
    let out = std::path::absolute(&args.out).unwrap_or_else(|_| args.out.clone());
    print!("{}", instructions(&out, &credentials, written.len()));
    Ok(())
}

/// Prints a token for the flags, signed with the key file they name.
pub fn dev_token(args: &DevTokenArgs) -> CliResult {
    println!("{}", mint(args)?);
    Ok(())
}

/// The signed token `dev-token` prints.
fn mint(args: &DevTokenArgs) -> Result<String, String> {
    let path = &args.signing_key;
    let pem = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (kid, _) = jwk_set(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
    let mint = TokenMint::new(&pem, &kid, &args.issuer, &args.audience)?;
    if args.roles.contains(&TokenRole::Department) && args.department.is_none() {
        return Err("the department role needs --department <code>".into());
    }
    let roles: Vec<&str> = args.roles.iter().map(|role| role.claim()).collect();
    let mut claims = mint.claims(&args.sub, &roles, seconds(&args.valid)?);
    claims.name = args.name.clone();
    claims.department = args.department.clone();
    claims.projects = args.projects.clone();
    mint.token(&claims)
}

/// `90s`, `30m`, `8h` or `2d` in seconds.
fn seconds(text: &str) -> Result<i64, String> {
    let refused = || format!("--valid {text:?}: a number with s, m, h or d, such as 8h");
    let split = text.len().checked_sub(1).ok_or_else(refused)?;
    let (number, unit) = text.split_at_checked(split).ok_or_else(refused)?;
    let number: i64 = number.parse().map_err(|_| refused())?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(refused()),
    };
    match number.checked_mul(unit) {
        Some(total) if total > 0 => Ok(total),
        _ => Err(refused()),
    }
}

/// The department codes of the catalogue in `dir`, or of the sample catalogue.
fn department_codes(dir: Option<&Path>) -> Result<Vec<String>, String> {
    let catalogue = match dir {
        Some(dir) => Catalogue::load_dir(dir).map_err(|e| format!("catalogue: {e}"))?,
        None => Catalogue::from_sources(&[CatalogueSource {
            file: "(built-in) departments.toml".into(),
            text: SAMPLE_DEPARTMENTS.into(),
        }])
        .map_err(|e| format!("the built-in catalogue: {e}"))?,
    };
    Ok(catalogue.departments().map(|d| d.code.clone()).collect())
}

/// What to put in `lianban.toml` and which flags the client takes, for credentials in `out`.
fn instructions(out: &Path, credentials: &DevCredentials, files: usize) -> String {
    let at = |name: &str| toml::Value::String(out.join(name).display().to_string()).to_string();
    let plain = |name: &str| out.join(name).display().to_string();
    // The example department: scjg when the catalogue has it, else the first one.
    let department = credentials
        .clients
        .iter()
        .map(|c| &c.principal)
        .filter(|p| p.role == "department")
        .min_by_key(|p| p.name != "scjg")
        .map(|p| p.name.clone())
        .unwrap_or_else(|| "scjg".to_owned());
    let client = format!("department-{department}");
    let mut text = String::new();
    let _ = writeln!(text, "Wrote {files} files to {}.", out.display());
    let _ = writeln!(text, "\nIn lianban.toml:\n");
    let _ = writeln!(text, "[tls]");
    let _ = writeln!(text, "cert = {}", at("server.pem"));
    let _ = writeln!(text, "key = {}", at("server-key.pem"));
    let _ = writeln!(text, "client_ca = {}", at("ca.pem"));
    let _ = writeln!(text, "\n[identity]");
    let _ = writeln!(text, "jwks_file = {}", at("jwks.json"));
    let _ = writeln!(text, "issuer = \"lianban-dev\"");
    let _ = writeln!(text, "audience = \"lianban\"");
    let _ = writeln!(
        text,
        "\nThe client, as a department system (certificate):\n"
    );
    let _ = writeln!(
        text,
        "lianban --server https://localhost:50051 --ca {} --cert {} --key {} tasks {department}",
        plain("ca.pem"),
        plain(&format!("clients/{client}.pem")),
        plain(&format!("clients/{client}-key.pem")),
    );
    let _ = writeln!(text, "\nThe client, as a person (token):\n");
    let _ = writeln!(
        text,
        "export LIANBAN_TOKEN=$(lianban dev-token --signing-key {} --sub clerk-1 --role department --department {department})",
        plain("jwt-signing-key.pem")
    );
    let _ = writeln!(
        text,
        "lianban --server https://localhost:50051 --ca {} tasks {department}",
        plain("ca.pem")
    );
    text
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

    use super::*;
    use crate::dev_credentials::Claims;

    fn certs_args(out: &Path) -> DevCertsArgs {
        DevCertsArgs {
            out: out.to_path_buf(),
            hosts: vec!["lianban.internal".into()],
            catalogue_dir: None,
        }
    }

    fn token_args(key: &Path) -> DevTokenArgs {
        DevTokenArgs {
            signing_key: key.to_path_buf(),
            sub: "clerk-1".into(),
            roles: vec![TokenRole::Department, TokenRole::Facilitator],
            department: Some("scjg".into()),
            projects: vec!["XM-1".into()],
            name: None,
            valid: "8h".into(),
            issuer: "lianban-dev".into(),
            audience: "lianban".into(),
        }
    }

    #[test]
    fn dev_certs_writes_a_certificate_per_department_and_the_token_key() {
        let folder = tempfile::tempdir().unwrap();
        dev_certs(&certs_args(folder.path())).unwrap();
        let codes = department_codes(None).unwrap();
        assert!(codes.contains(&"scjg".to_owned()), "{codes:?}");
        let mut expected = vec![
            "ca.pem".to_owned(),
            "ca-key.pem".into(),
            "server.pem".into(),
            "server-key.pem".into(),
            "jwt-signing-key.pem".into(),
            "jwks.json".into(),
            "clients/front-desk-desk-1.pem".into(),
            "clients/dispatch-window-1-key.pem".into(),
        ];
        for code in &codes {
            expected.push(format!("clients/department-{code}.pem"));
            expected.push(format!("clients/department-{code}-key.pem"));
        }
        for name in expected {
            let text = std::fs::read_to_string(folder.path().join(&name))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!text.is_empty(), "{name}");
        }
    }

    #[test]
    fn dev_token_prints_a_token_that_verifies_with_the_written_jwks() {
        let folder = tempfile::tempdir().unwrap();
        dev_certs(&certs_args(folder.path())).unwrap();
        let token = mint(&token_args(&folder.path().join("jwt-signing-key.pem"))).unwrap();

        let jwks = std::fs::read_to_string(folder.path().join("jwks.json")).unwrap();
        let set: JwkSet = serde_json::from_str(&jwks).unwrap();
        let kid = decode_header(&token).unwrap().kid.unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.set_issuer(&["lianban-dev"]);
        validation.set_audience(&["lianban"]);
        let key = DecodingKey::from_jwk(set.find(&kid).unwrap()).unwrap();
        let claims = decode::<Claims>(&token, &key, &validation).unwrap().claims;
        assert_eq!(claims.sub, "clerk-1");
        assert_eq!(claims.roles, ["department", "facilitator"]);
        assert_eq!(claims.department.as_deref(), Some("scjg"));
        assert_eq!(claims.projects, ["XM-1"]);
        assert_eq!(claims.exp - claims.iat, 8 * 3600);
    }

    #[test]
    fn dev_token_names_the_key_file_it_cannot_read_and_refuses_bad_flags() {
        let folder = tempfile::tempdir().unwrap();
        let missing = folder.path().join("nope.pem");
        let error = mint(&token_args(&missing)).unwrap_err();
        assert!(error.contains("nope.pem"), "{error}");

        dev_certs(&certs_args(folder.path())).unwrap();
        let key = folder.path().join("jwt-signing-key.pem");
        let mut args = token_args(&key);
        args.department = None;
        assert!(mint(&args).unwrap_err().contains("--department"));
        for valid in ["", "8", "h", "-1h", "0m", "3w"] {
            let mut args = token_args(&key);
            args.valid = valid.into();
            assert!(mint(&args).is_err(), "{valid:?}");
        }
        assert_eq!(seconds("90s").unwrap(), 90);
        assert_eq!(seconds("2d").unwrap(), 172_800);
    }
}
