//! Writing development credentials to a folder, in the layout the server configuration, the
//! command-line client and `deploy/README.md` name. Private keys are readable by their owner only.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::authority::DevCredentials;

impl DevCredentials {
    /// Writes `ca.pem`, `ca-key.pem`, `server.pem`, `server-key.pem`, `clients/<role>-<name>.pem`
    /// with `clients/<role>-<name>-key.pem`, `jwt-signing-key.pem` and `jwks.json` into `dir`
    /// (created if missing), replacing files of those names; answers the paths written.
    pub fn write_to(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let clients = dir.join("clients");
        std::fs::create_dir_all(&clients)
            .map_err(|e| format!("cannot create {}: {e}", clients.display()))?;
        let mut written = Vec::new();
        let mut put = |path: PathBuf, text: &str, secret: bool| -> Result<(), String> {
            write_file(&path, text, secret)?;
            written.push(path);
            Ok(())
        };
        put(dir.join("ca.pem"), &self.ca_pem, false)?;
        put(dir.join("ca-key.pem"), &self.ca_key_pem, true)?;
        put(dir.join("server.pem"), &self.server_pem, false)?;
        put(dir.join("server-key.pem"), &self.server_key_pem, true)?;
        for client in &self.clients {
            let stem = client.principal.file_stem();
            put(clients.join(format!("{stem}.pem")), &client.cert_pem, false)?;
            put(
                clients.join(format!("{stem}-key.pem")),
                &client.key_pem,
                true,
            )?;
        }
        put(
            dir.join("jwt-signing-key.pem"),
            &self.jwt_signing_key_pem,
            true,
        )?;
        put(dir.join("jwks.json"), &self.jwks_json, false)?;
        Ok(written)
    }
}

/// Writes `text` to `path`; a `secret` file is made (or made again) with mode 0600 on unix.
fn write_file(path: &Path, text: &str, secret: bool) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if secret {
            options.mode(0o600);
            // An existing file keeps its mode when opened, so narrow it first.
            if path.exists() {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                    .map_err(failed)?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(text.as_bytes()).map_err(failed)
}
