//! Server configuration: built-in defaults, then a TOML file, then `LIANBAN_*` environment
//! variables (nested keys joined with `__`), then a check of the result.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Everything the server reads at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the gRPC server listens on.
    pub listen: SocketAddr,
    /// Database URL: `sqlite://path?mode=rwc` (embedded) or `postgres://…` (production).
    pub database_url: String,
    /// Folder of catalogue TOML files; unset means the sample catalogue built into the binary.
    pub catalogue_dir: Option<PathBuf>,
    /// Log filter in `RUST_LOG` syntax.
    pub log_filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            database_url: "sqlite://data/lianban.db?mode=rwc".to_owned(),
            catalogue_dir: None,
            log_filter: "info,sqlx=warn,h2=warn,hyper=warn,tower=warn".to_owned(),
        }
    }
}

impl Config {
    /// Loads the layers: defaults, the TOML file (when given, or `lianban.toml` when present), the environment.
    pub fn load(file: Option<&Path>) -> Result<Config, Error> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(Error::Config(format!(
                    "configuration file {} does not exist",
                    path.display()
                )));
            }
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("lianban.toml")),
        }
        let config: Config = figment
            .merge(Env::prefixed("LIANBAN_").split("__").ignore(&["CONFIG"]))
            .extract()
            .map_err(|error| Error::Config(error.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Refuses values that parse but cannot work.
    pub fn validate(&self) -> Result<(), Error> {
        let url = self.database_url.as_str();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(Error::Config(
                "database_url must start with sqlite:, postgres:// or postgresql://".to_owned(),
            ));
        }
        if let Some(dir) = self.catalogue_dir.as_ref().filter(|dir| !dir.is_dir()) {
            return Err(Error::Config(format!(
                "catalogue_dir {} is not a folder",
                dir.display()
            )));
        }
        Ok(())
    }
}

/// A database URL with any password replaced, safe to log.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/lianban"),
            "postgres://app:***@db:5432/lianban"
        );
        assert_eq!(
            redact_url("sqlite://data/lianban.db?mode=rwc"),
            "sqlite://data/lianban.db?mode=rwc"
        );
    }

    #[test]
    fn the_example_configuration_in_deploy_loads() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/lianban.example.toml");
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config, Config::default());
    }

    #[test]
    fn a_bad_database_url_is_refused() {
        let config = Config {
            database_url: "mysql://x".into(),
            ..Config::default()
        };
        assert!(
            config
                .validate()
                .unwrap_err()
                .to_string()
                .contains("database_url")
        );
    }
}
