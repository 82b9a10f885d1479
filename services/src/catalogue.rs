//! Where the catalogue comes from: a configured folder of TOML files, or the sample catalogue
//! built into the binary (the same files as `services/catalogue/`), so that the server runs with
//! no configuration from any working directory.

use std::path::Path;

use lianban_orchestrator::catalogue::{Catalogue, CatalogueSource};

use crate::error::Error;

/// The sample catalogue's files, embedded at build time.
const SAMPLE: &[(&str, &str)] = &[
    (
        "departments.toml",
        include_str!("../catalogue/departments.toml"),
    ),
    (
        "materials.toml",
        include_str!("../catalogue/materials.toml"),
    ),
    (
        "kaiban-qiye.toml",
        include_str!("../catalogue/kaiban-qiye.toml"),
    ),
    (
        "kaiban-canyin.toml",
        include_str!("../catalogue/kaiban-canyin.toml"),
    ),
    (
        "xinshenger-chusheng.toml",
        include_str!("../catalogue/xinshenger-chusheng.toml"),
    ),
    (
        "gongye-lianhe-yanshou.toml",
        include_str!("../catalogue/gongye-lianhe-yanshou.toml"),
    ),
];

/// The sample catalogue shipped with the server.
pub fn sample() -> Result<Catalogue, Error> {
    let sources: Vec<CatalogueSource> = SAMPLE
        .iter()
        .map(|(file, text)| CatalogueSource {
            file: format!("(built-in) {file}"),
            text: (*text).to_owned(),
        })
        .collect();
    Ok(Catalogue::from_sources(&sources)?)
}

/// The catalogue in `dir`, or the sample when no folder is configured.
pub fn load(dir: Option<&Path>) -> Result<Catalogue, Error> {
    match dir {
        Some(dir) => Ok(Catalogue::load_dir(dir)?),
        None => sample(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_catalogue_loads_with_every_bundle() {
        let catalogue = sample().unwrap();
        let codes: Vec<_> = catalogue.bundles().map(|b| b.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "gongye-lianhe-yanshou",
                "kaiban-canyin",
                "kaiban-qiye",
                "xinshenger-chusheng"
            ]
        );
        let company = catalogue.bundle("kaiban-qiye").unwrap();
        assert_eq!(catalogue.critical_path_days(company), 2);
        assert_eq!(catalogue.serial_sum_days(company), 3);
    }

    #[test]
    fn the_folder_on_disk_matches_the_embedded_sample() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("catalogue");
        let on_disk = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .count();
        assert_eq!(
            on_disk,
            SAMPLE.len(),
            "every file of services/catalogue must be embedded"
        );
        assert!(Catalogue::load_dir(&dir).is_ok());
    }
}
