//! The published catalogue: departments, materials, matters and the bundles that combine them.
//!
//! The catalogue is data. It is read from TOML sources (one folder, any number of files, each file
//! holding any of the four tables), checked as a whole, and then never changes while the server
//! runs. Every check names the file and the entry, because the person who reads the error is the
//! one editing those files.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Deserialize;

use crate::error::CatalogueError;

/// A department with a back-office system (市场监管, 公安, 税务…).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
}

/// A material the applicant hands in once for the whole application.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Material {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// What the front desk checks; shown in one-time notices.
    #[serde(default)]
    pub description: String,
}

/// One approval item of one department (事项).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matter {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Code of the department that handles it.
    pub department: String,
    /// Statutory limit in working days (法定时限).
    pub legal_limit_days: u32,
    /// Promised limit in working days (承诺时限); 0 = decided the same day (即办件).
    pub promised_limit_days: u32,
    /// Codes of the materials it needs.
    #[serde(default)]
    pub materials: Vec<String>,
    /// Fee in fen.
    #[serde(default)]
    pub fee_fen: u64,
    /// What happens at the deadline, unless the bundle says otherwise; default by role.
    #[serde(default)]
    pub on_deadline: Option<DeadlineAction>,
}

/// How a department takes part in a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The department decides: approve or reject (审批).
    Approval,
    /// The department gives an opinion: consent or object (联审 / 征求意见).
    JointReview,
}

/// What happens when an open branch reaches its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineAction {
    /// The silent department is deemed to consent (缺席默认 / 逾期视为同意). Joint review only.
    DeemedConsent,
    /// The branch turns red and is escalated to supervision; it stays open for the department.
    Escalate,
}

/// One field of a bundle's single form.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Key in the application's form map.
    pub key: String,
    /// Display label.
    pub label: String,
    /// Whether a submission without it is refused.
    #[serde(default)]
    pub required: bool,
}

/// One matter as it takes part in a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleBranch {
    /// Matter code.
    pub matter: String,
    /// Approval or joint review.
    pub role: Role,
    /// Matter codes of the same bundle that must be approved or consented first.
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// What happens at the deadline in this bundle; overrides the matter's.
    #[serde(default)]
    pub on_deadline: Option<DeadlineAction>,
}

/// A bundle of matters handled as one application (一件事).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Code of the lead department (牵头部门).
    pub lead_department: String,
    /// The bundle's promised limit in working days.
    pub promised_limit_days: u32,
    /// The one form.
    #[serde(default)]
    pub form: Vec<FormField>,
    /// The local rule that makes silence consent, cited on every deemed consent.
    #[serde(default = "default_deemed_consent_rule")]
    pub deemed_consent_rule: String,
    /// Every matter with its role and dependencies, in display order.
    #[serde(rename = "branch")]
    pub branches: Vec<BundleBranch>,
}

fn default_deemed_consent_rule() -> String {
    "并联审批逾期未反馈意见视为同意".to_owned()
}

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

/// The checked catalogue. Every code it holds is unique and every reference resolves.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    departments: BTreeMap<String, Department>,
    materials: BTreeMap<String, Material>,
    matters: BTreeMap<String, Matter>,
    bundles: BTreeMap<String, Bundle>,
}

/// Where each entry came from, so that a check can name the file.
#[derive(Default)]
struct Origins {
    files: HashMap<(&'static str, String), String>,
}

impl Origins {
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

    fn check_references(&self, origins: &Origins) -> Result<(), CatalogueError> {
        for matter in self.matters.values() {
            let file = origins.file_of("matter", &matter.code);
            let entry = format!("matter {}", matter.code);
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

    fn check_bundle(&self, bundle: &Bundle, file: &str) -> Result<(), CatalogueError> {
        let entry = format!("bundle {}", bundle.code);
        let invalid = |message: String| CatalogueError::Invalid {
            file: file.to_owned(),
            entry: entry.clone(),
            message,
        };
        self.require("department", &bundle.lead_department, file, &entry)?;
        if bundle.branches.is_empty() {
            return Err(invalid("a bundle needs at least one branch".to_owned()));
        }
        let mut in_bundle = BTreeSet::new();
        for branch in &bundle.branches {
            self.require("matter", &branch.matter, file, &entry)?;
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
                    return Err(invalid(format!(
                        "branch {} depends on {predecessor}, which is not a matter of this bundle",
                        branch.matter
                    )));
                }
            }
        }
        for branch in &bundle.branches {
            let action = self.deadline_action(branch);
            if branch.role == Role::Approval && action == DeadlineAction::DeemedConsent {
                return Err(invalid(format!(
                    "branch {} is an approval: it is never approved by default (on_deadline = \"escalate\")",
                    branch.matter
                )));
            }
        }
        let mut keys = BTreeSet::new();
        for field in &bundle.form {
            if !keys.insert(field.key.as_str()) {
                return Err(invalid(format!(
                    "form field {} is declared twice",
                    field.key
                )));
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

    /// Every department, by code.
    pub fn departments(&self) -> impl Iterator<Item = &Department> {
        self.departments.values()
    }

    /// Every matter, by code.
    pub fn matters(&self) -> impl Iterator<Item = &Matter> {
        self.matters.values()
    }

    /// Every bundle, by code.
    pub fn bundles(&self) -> impl Iterator<Item = &Bundle> {
        self.bundles.values()
    }

    /// One department.
    pub fn department(&self, code: &str) -> Option<&Department> {
        self.departments.get(code)
    }

    /// One material.
    pub fn material(&self, code: &str) -> Option<&Material> {
        self.materials.get(code)
    }

    /// One matter.
    pub fn matter(&self, code: &str) -> Option<&Matter> {
        self.matters.get(code)
    }

    /// One bundle.
    pub fn bundle(&self, code: &str) -> Option<&Bundle> {
        self.bundles.get(code)
    }

    /// Every material the bundle's matters need, each once, in code order.
    pub fn bundle_materials(&self, bundle: &Bundle) -> Vec<&Material> {
        let codes: BTreeSet<&str> = bundle
            .branches
            .iter()
            .filter_map(|branch| self.matters.get(&branch.matter))
            .flat_map(|matter| matter.materials.iter().map(String::as_str))
            .collect();
        codes
            .into_iter()
            .filter_map(|code| self.materials.get(code))
            .collect()
    }

    /// What happens when a bundle branch reaches its deadline: the bundle's setting, else the
    /// matter's, else deemed consent for a joint review and escalation for an approval.
    pub fn deadline_action(&self, branch: &BundleBranch) -> DeadlineAction {
        branch
            .on_deadline
            .or_else(|| {
                self.matters
                    .get(&branch.matter)
                    .and_then(|matter| matter.on_deadline)
            })
            .unwrap_or(match branch.role {
                Role::JointReview => DeadlineAction::DeemedConsent,
                Role::Approval => DeadlineAction::Escalate,
            })
    }

    /// The longest chain of promised limits through the bundle's dependencies, in working days.
    pub fn critical_path_days(&self, bundle: &Bundle) -> u32 {
        let mut finish: HashMap<&str, u32> = HashMap::new();
        for branch in topological_order(bundle) {
            let own = self.promised_days(&branch.matter);
            let start = branch
                .depends_on
                .iter()
                .map(|predecessor| finish.get(predecessor.as_str()).copied().unwrap_or(0))
                .max()
                .unwrap_or(0);
            finish.insert(branch.matter.as_str(), start + own);
        }
        finish.values().copied().max().unwrap_or(0)
    }

    /// The sum of every branch's promised limit: the time one after another would take.
    pub fn serial_sum_days(&self, bundle: &Bundle) -> u32 {
        bundle
            .branches
            .iter()
            .map(|branch| self.promised_days(&branch.matter))
            .sum()
    }

    fn promised_days(&self, matter: &str) -> u32 {
        self.matters
            .get(matter)
            .map_or(0, |matter| matter.promised_limit_days)
    }
}

/// The bundle's branches with every predecessor before its dependants. Only valid for an acyclic bundle.
fn topological_order(bundle: &Bundle) -> Vec<&BundleBranch> {
    let mut placed: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::with_capacity(bundle.branches.len());
    while order.len() < bundle.branches.len() {
        let before = order.len();
        for branch in &bundle.branches {
            let ready = branch
                .depends_on
                .iter()
                .all(|p| placed.contains(p.as_str()));
            if !placed.contains(branch.matter.as_str()) && ready {
                placed.insert(branch.matter.as_str());
                order.push(branch);
            }
        }
        if order.len() == before {
            break;
        }
    }
    order
}

/// A dependency cycle among the bundle's branches, as the matter codes along it, if there is one.
fn find_cycle(bundle: &Bundle) -> Option<Vec<String>> {
    let edges: HashMap<&str, &[String]> = bundle
        .branches
        .iter()
        .map(|branch| (branch.matter.as_str(), branch.depends_on.as_slice()))
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit<'a>(
        node: &'a str,
        edges: &HashMap<&'a str, &'a [String]>,
        marks: &mut HashMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => {
                let from = path.iter().position(|step| *step == node).unwrap_or(0);
                let mut cycle: Vec<String> = path[from..].iter().map(|s| (*s).to_owned()).collect();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node, Mark::Visiting);
        path.push(node);
        for next in edges.get(node).copied().unwrap_or_default() {
            if let Some(cycle) = visit(next, edges, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node, Mark::Done);
        None
    }
    let mut marks = HashMap::new();
    for branch in &bundle.branches {
        let mut path = Vec::new();
        if let Some(cycle) = visit(branch.matter.as_str(), &edges, &mut marks, &mut path) {
            return Some(cycle);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
        [[department]]
        code = "a"
        name = "Dept A"
        [[material]]
        code = "m1"
        name = "Material 1"
        [[matter]]
        code = "x"
        name = "X"
        department = "a"
        legal_limit_days = 20
        promised_limit_days = 2
        materials = ["m1"]
        [[matter]]
        code = "y"
        name = "Y"
        department = "a"
        legal_limit_days = 20
        promised_limit_days = 3
        [[matter]]
        code = "z"
        name = "Z"
        department = "a"
        legal_limit_days = 20
        promised_limit_days = 4
    "#;

    fn load(bundle: &str) -> Result<Catalogue, CatalogueError> {
        Catalogue::from_sources(&[
            CatalogueSource {
                file: "base.toml".into(),
                text: BASE.into(),
            },
            CatalogueSource {
                file: "bundle.toml".into(),
                text: bundle.into(),
            },
        ])
    }

    const GOOD: &str = r#"
        [[bundle]]
        code = "b"
        name = "B"
        lead_department = "a"
        promised_limit_days = 9
        [[bundle.branch]]
        matter = "x"
        role = "approval"
        [[bundle.branch]]
        matter = "y"
        role = "joint_review"
        depends_on = ["x"]
        [[bundle.branch]]
        matter = "z"
        role = "approval"
        depends_on = ["x"]
    "#;

    #[test]
    fn a_good_catalogue_reports_critical_path_and_serial_sum() {
        let catalogue = load(GOOD).unwrap();
        let bundle = catalogue.bundle("b").unwrap();
        assert_eq!(catalogue.critical_path_days(bundle), 6);
        assert_eq!(catalogue.serial_sum_days(bundle), 9);
        assert_eq!(catalogue.bundle_materials(bundle).len(), 1);
    }

    #[test]
    fn an_unknown_matter_names_the_file_and_the_bundle() {
        let error = load(&GOOD.replace("matter = \"z\"", "matter = \"nope\"")).unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("bundle.toml") && text.contains("bundle b") && text.contains("nope"),
            "{text}"
        );
    }

    #[test]
    fn an_unknown_material_names_the_matter() {
        let error = Catalogue::from_sources(&[CatalogueSource {
            file: "one.toml".into(),
            text: BASE.replace("materials = [\"m1\"]", "materials = [\"m9\"]"),
        }]);
        let text = error.unwrap_err().to_string();
        assert!(
            text.contains("one.toml") && text.contains("matter x") && text.contains("m9"),
            "{text}"
        );
    }

    #[test]
    fn a_cycle_is_refused_with_its_path() {
        let cyclic = GOOD.replace(
            "matter = \"x\"\n        role = \"approval\"",
            "matter = \"x\"\n        role = \"approval\"\n        depends_on = [\"z\"]",
        );
        let text = load(&cyclic).unwrap_err().to_string();
        let names_cycle = text.contains("x → z → x") || text.contains("z → x → z");
        assert!(
            text.contains("cycle") && text.contains("bundle.toml") && names_cycle,
            "{text}"
        );
    }

    #[test]
    fn a_duplicate_code_names_both_files() {
        let text = Catalogue::from_sources(&[
            CatalogueSource {
                file: "one.toml".into(),
                text: BASE.into(),
            },
            CatalogueSource {
                file: "two.toml".into(),
                text: "[[department]]\ncode = \"a\"\nname = \"again\"\n".into(),
            },
        ])
        .unwrap_err()
        .to_string();
        assert!(
            text.contains("two.toml") && text.contains("one.toml") && text.contains("department a"),
            "{text}"
        );
    }

    #[test]
    fn an_approval_is_never_approved_by_default() {
        let text = load(&GOOD.replace(
            "matter = \"x\"\n        role = \"approval\"",
            "matter = \"x\"\n        role = \"approval\"\n        on_deadline = \"deemed_consent\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            text.contains("bundle.toml") && text.contains("never approved by default"),
            "{text}"
        );
        let catalogue = load(GOOD).unwrap();
        let bundle = catalogue.bundle("b").unwrap();
        assert_eq!(
            catalogue.deadline_action(&bundle.branches[0]),
            DeadlineAction::Escalate
        );
        assert_eq!(
            catalogue.deadline_action(&bundle.branches[1]),
            DeadlineAction::DeemedConsent
        );
    }

    #[test]
    fn a_syntax_error_names_the_file() {
        let text = load("[[bundle]\n").unwrap_err().to_string();
        assert!(text.contains("bundle.toml"), "{text}");
    }
}
