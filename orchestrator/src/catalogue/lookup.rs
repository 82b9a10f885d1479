//! The checked catalogue and what the rest of the crate asks of it: entries by code, a bundle's
//! materials, and what a branch does at its deadline.

use std::collections::{BTreeMap, BTreeSet};

use super::entries::{Bundle, BundleBranch, DeadlineAction, Department, Material, Matter, Role};

/// The checked catalogue. Every code it holds is unique and every reference resolves.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub(super) departments: BTreeMap<String, Department>,
    pub(super) materials: BTreeMap<String, Material>,
    pub(super) matters: BTreeMap<String, Matter>,
    pub(super) bundles: BTreeMap<String, Bundle>,
}

impl Catalogue {
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
}
