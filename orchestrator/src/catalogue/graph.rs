//! The shape of a bundle's dependencies: the order branches can start in, the longest chain of
//! promised limits through them, and any cycle that would keep a branch from ever starting.

use std::collections::{BTreeSet, HashMap};

use super::entries::{Bundle, BundleBranch};
use super::lookup::Catalogue;

impl Catalogue {
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

    /// A matter's promised limit; nothing for a matter the catalogue does not hold.
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
pub(super) fn find_cycle(bundle: &Bundle) -> Option<Vec<String>> {
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
