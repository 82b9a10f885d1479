//! Loading the catalogue: every TOML file is parsed, its entries gathered with the file they came
//! from, and the whole checked at once — unique codes, references that resolve, bundles whose
//! dependencies and deadline rules make sense — each error naming the file and the entry.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;

use super::entries::{Bundle, DeadlineAction, Department, Material, Matter, Role};
use super::graph::find_cycle;
use super::lookup::Catalogue;
use crate::error::CatalogueError;

/// What one catalogue file may hold: any of the four tables.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    #[serde(default, rename = "department")]
    departments: Vec<Department>,
    #[serde(default, rename = "material")]
    materials: Vec<Material>,
    #[serde(default, rename = "matter")]
    matters: Vec<Matter>,
    #[serde(default, rename = "bundle")]
    bundles: Vec<Bundle>,
}

/// One catalogue file's name and text.
#[derive(Debug, Clone)]
pub struct CatalogueSource {
    /// File name, used in errors.
    pub file: String,
    /// TOML text.
    pub text: String,
}

/// Where each entry came from, so that a check can name the file.
#[derive(Default)]
struct Origins {
    files: HashMap<(&'static str, String), String>,
}

impl Origins {
    /// Records where `code` of `kind` came from, refusing a code declared before.
    fn record(&mut self, kind: &'static str, code: &str, file: &str) -> Result<(), CatalogueError> {
        if let Some(first) = self.files.get(&(kind, code.to_owned())) {
            return Err(CatalogueError::Duplicate {
                file: file.to_owned(),
                kind,
                code: code.to_owned(),
                first_file: first.clone(),
            });
        }
        self.files.insert((kind, code.to_owned()), file.to_owned());
        Ok(())
    }

    /// The file `code` of `kind` came from.
    fn file_of(&self, kind: &'static str, code: &str) -> String {
        self.files
            .get(&(kind, code.to_owned()))
            .cloned()
            .unwrap_or_default()
    }
}

impl Catalogue {
    /// Parses and checks a whole catalogue from its files.
    pub fn from_sources(sources: &[CatalogueSource]) -> Result<Self, CatalogueError> {
        let mut catalogue = Catalogue::default();
        let mut origins = Origins::default();
        for source in sources {
            let file: CatalogueFile =
                toml::from_str(&source.text).map_err(|error| CatalogueError::Syntax {
                    file: source.file.clone(),
                    message: error.to_string(),
                })?;
            catalogue.absorb(file, &source.file, &mut origins)?;
        }
        catalogue.check_references(&origins)?;
        Ok(catalogue)
    }

    /// Reads every `*.toml` file of a folder, in name order, and checks them as one catalogue.
    pub fn load_dir(dir: &std::path::Path) -> Result<Self, CatalogueError> {
        let unreadable = |error: std::io::Error| CatalogueError::Unreadable {
            path: dir.display().to_string(),
            message: error.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(unreadable)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(CatalogueError::Unreadable {
                path: dir.display().to_string(),
                message: "no *.toml file in the folder".to_owned(),
            });
        }
        let sources = paths
            .iter()
            .map(|path| {
                std::fs::read_to_string(path)
                    .map(|text| CatalogueSource {
                        file: path.display().to_string(),
                        text,
                    })
                    .map_err(|error| CatalogueError::Unreadable {
                        path: path.display().to_string(),
                        message: error.to_string(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_sources(&sources)
    }

    /// Takes in one file's entries, refusing a code declared before.
    fn absorb(
        &mut self,
        file: CatalogueFile,
        name: &str,
        origins: &mut Origins,
    ) -> Result<(), CatalogueError> {
        for department in file.departments {
            origins.record("department", &department.code, name)?;
            self.departments.insert(department.code.clone(), department);
        }
        for material in file.materials {
            origins.record("material", &material.code, name)?;
            self.materials.insert(material.code.clone(), material);
        }
        for matter in file.matters {
            origins.record("matter", &matter.code, name)?;
            self.matters.insert(matter.code.clone(), matter);
        }
        for bundle in file.bundles {
            origins.record("bundle", &bundle.code, name)?;
            self.bundles.insert(bundle.code.clone(), bundle);
        }
        Ok(())
    }

    /// Every reference resolves, every promised limit is within the legal one, and every bundle
    /// holds together.
    fn check_references(&self, origins: &Origins) -> Result<(), CatalogueError> {
        let mut implementation_codes = HashMap::new();
        for matter in self.matters.values() {
            let file = origins.file_of("matter", &matter.code);
            let entry = format!("matter {}", matter.code);
            if let Some(message) = matter.code_problem() {
                return Err(invalid(&file, &entry, message));
            }
            let implementation = matter.exchange_codes().implementation_code;
            if let Some(first) = implementation_codes.insert(implementation.clone(), &matter.code) {
                return Err(invalid(
                    &file,
                    &entry,
                    format!("implementation_code {implementation} is also matter {first}'s"),
                ));
            }
            self.require("department", &matter.department, &file, &entry)?;
            for material in &matter.materials {
                self.require("material", material, &file, &entry)?;
            }
            if matter.promised_limit_days > matter.legal_limit_days {
                return Err(CatalogueError::Invalid {
                    file,
                    entry,
                    message: format!(
                        "promised limit {} exceeds the legal limit {}",
                        matter.promised_limit_days, matter.legal_limit_days
                    ),
                });
            }
        }
        for bundle in self.bundles.values() {
            self.check_bundle(bundle, &origins.file_of("bundle", &bundle.code))?;
        }
        Ok(())
    }

    /// Refuses a reference to a `kind` the catalogue does not hold.
    fn require(
        &self,
        kind: &'static str,
        code: &str,
        file: &str,
        entry: &str,
    ) -> Result<(), CatalogueError> {
        let known = match kind {
            "department" => self.departments.contains_key(code),
            "material" => self.materials.contains_key(code),
            _ => self.matters.contains_key(code),
        };
        if known {
            Ok(())
        } else {
            Err(CatalogueError::Unknown {
                file: file.to_owned(),
                entry: entry.to_owned(),
                kind,
                code: code.to_owned(),
            })
        }
    }

    /// One bundle: a known lead department, at least one sound branch, form fields declared once,
    /// and no dependency cycle.
    fn check_bundle(&self, bundle: &Bundle, file: &str) -> Result<(), CatalogueError> {
        let entry = format!("bundle {}", bundle.code);
        self.require("department", &bundle.lead_department, file, &entry)?;
        if bundle.branches.is_empty() {
            return Err(invalid(
                file,
                &entry,
                "a bundle needs at least one branch".to_owned(),
            ));
        }
        self.check_branches(bundle, file, &entry)?;
        let mut keys = BTreeSet::new();
        for field in &bundle.form {
            if !keys.insert(field.key.as_str()) {
                return Err(invalid(
                    file,
                    &entry,
                    format!("form field {} is declared twice", field.key),
                ));
            }
        }
        if let Some(cycle) = find_cycle(bundle) {
            return Err(CatalogueError::Cycle {
                file: file.to_owned(),
                bundle: bundle.code.clone(),
                cycle: cycle.join(" → "),
            });
        }
        Ok(())
    }

    /// Every branch is a known matter, once; it depends only on matters of the bundle; and an
    /// approval is never approved by default.
    fn check_branches(
        &self,
        bundle: &Bundle,
        file: &str,
        entry: &str,
    ) -> Result<(), CatalogueError> {
        let mut in_bundle = BTreeSet::new();
        for branch in &bundle.branches {
            self.require("matter", &branch.matter, file, entry)?;
            if !in_bundle.insert(branch.matter.as_str()) {
                return Err(CatalogueError::Duplicate {
                    file: file.to_owned(),
                    kind: "branch",
                    code: format!("{} in {entry}", branch.matter),
                    first_file: file.to_owned(),
                });
            }
        }
        for branch in &bundle.branches {
            for predecessor in &branch.depends_on {
                if !in_bundle.contains(predecessor.as_str()) {
                    return Err(invalid(
                        file,
                        entry,
                        format!(
                            "branch {} depends on {predecessor}, which is not a matter of this bundle",
                            branch.matter
                        ),
                    ));
                }
            }
        }
        for branch in &bundle.branches {
            let action = self.deadline_action(branch);
            if branch.role == Role::Approval && action == DeadlineAction::DeemedConsent {
                return Err(invalid(
                    file,
                    entry,
                    format!(
                        "branch {} is an approval: it is never approved by default (on_deadline = \"escalate\")",
                        branch.matter
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A refusal of `entry` of `file`.
fn invalid(file: &str, entry: &str, message: String) -> CatalogueError {
    CatalogueError::Invalid {
        file: file.to_owned(),
        entry: entry.to_owned(),
        message,
    }
}
