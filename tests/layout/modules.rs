//! The module graph of one crate, read from its source text: which file's module refers to which
//! other file's module through `use` declarations and `crate::`/`super::`/`self::` paths.
//!
//! A folder's `mod.rs` (and the crate root) declaring its children and re-exporting their items is
//! the folder's map, not a dependency, so edges from a module to its own descendants are left out;
//! a path that lands on a re-export is followed to the module that defines the item.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root (`[]` is the root).
type ModulePath = Vec<String>;

/// One source file as a module.
struct ModuleFile {
    /// Every path the file refers to, as written, with the `use` alias it is known by.
    references: Vec<Vec<String>>,
    /// Names this file re-exports (`pub use`), each with the path it stands for.
    re_exports: BTreeMap<String, Vec<String>>,
}

/// The modules of one crate and the references between them.
pub struct ModuleGraph {
    files: BTreeMap<ModulePath, ModuleFile>,
}

impl ModuleGraph {
    /// Reads every `.rs` file under `source` (a crate's `src/`), leaving out `src/bin/`, whose
    /// files are crates of their own.
    pub fn read(source: &Path) -> ModuleGraph {
        let mut files = BTreeMap::new();
        for path in rust_files(source) {
            let Some(module) = module_path(source, &path) else {
                continue;
            };
            let text = strip_comments(&std::fs::read_to_string(&path).expect("readable source"));
            files.insert(module, parse(&text));
        }
        ModuleGraph { files }
    }

    /// How many modules (files) the crate has.
    pub fn module_count(&self) -> usize {
        self.files.len()
    }

    /// A loop of files that import each other, if there is one.
    pub fn file_cycle(&self) -> Option<Vec<String>> {
        let edges = self.file_edges();
        find_cycle(&edges).map(|cycle| cycle.iter().map(display).collect())
    }

    /// A loop among the crate's top-level modules (a folder counts as one), if there is one.
    pub fn top_level_cycle(&self) -> Option<Vec<String>> {
        let mut edges: BTreeMap<ModulePath, BTreeSet<ModulePath>> = BTreeMap::new();
        for (from, targets) in self.file_edges() {
            let Some(from_top) = from.first() else {
                continue;
            };
            for to in targets {
                match to.first() {
                    Some(to_top) if to_top != from_top => {
                        edges
                            .entry(vec![from_top.clone()])
                            .or_default()
                            .insert(vec![to_top.clone()]);
                    }
                    _ => {}
                }
            }
        }
        find_cycle(&edges).map(|cycle| cycle.iter().map(display).collect())
    }

    fn file_edges(&self) -> BTreeMap<ModulePath, BTreeSet<ModulePath>> {
        let mut edges: BTreeMap<ModulePath, BTreeSet<ModulePath>> = BTreeMap::new();
        for (module, file) in &self.files {
            let targets = edges.entry(module.clone()).or_default();
            for reference in &file.references {
                let Some(absolute) = self.absolute(module, reference) else {
                    continue;
                };
                let target = self.defining_module(&absolute, 0);
                if target != *module && !target.starts_with(module) {
                    targets.insert(target);
                }
            }
        }
        edges
    }

    /// `reference` as seen from `module`, from the crate root; `None` for other crates' paths.
    fn absolute(&self, module: &ModulePath, reference: &[String]) -> Option<ModulePath> {
        let (first, rest) = reference.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => module.clone(),
            "super" => parent(module),
            _ => {
                // A bare path names a child module of this one, or another crate.
                let mut child = module.clone();
                child.push(first.clone());
                if !self.files.contains_key(&child) {
                    return None;
                }
                return Some([child, rest.to_vec()].concat());
            }
        };
        let mut rest = rest;
        while let Some((segment, tail)) = rest.split_first() {
            if segment != "super" {
                break;
            }
            base = parent(&base);
            rest = tail;
        }
        Some([base, rest.to_vec()].concat())
    }

    /// The file that defines what `path` names: the longest module prefix, followed through a
    /// re-export when the next segment is one.
    fn defining_module(&self, path: &[String], depth: usize) -> ModulePath {
        let mut length = path.len();
        while length > 0 && !self.files.contains_key(&path[..length]) {
            length -= 1;
        }
        let module = path[..length].to_vec();
        if depth < 8
            && let Some(name) = path.get(length)
            && let Some(target) = self.files.get(&module).and_then(|f| f.re_exports.get(name))
            && let Some(absolute) = self.absolute(&module, target)
        {
            let mut followed = absolute;
            followed.extend(path[length + 1..].iter().cloned());
            return self.defining_module(&followed, depth + 1);
        }
        module
    }
}

fn parent(module: &ModulePath) -> ModulePath {
    module[..module.len().saturating_sub(1)].to_vec()
}

fn display(module: &ModulePath) -> String {
    if module.is_empty() {
        "crate".to_owned()
    } else {
        module.join("::")
    }
}

fn rust_files(source: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![source.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.expect("folder entry").path();
            if path.is_dir() {
                if path != source.join("bin") {
                    folders.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found
}

/// `src/lib.rs` → root, `src/a.rs` and `src/a/mod.rs` → `a`, `src/a/b.rs` → `a::b`.
fn module_path(source: &Path, file: &Path) -> Option<ModulePath> {
    let relative = file.strip_prefix(source).ok()?;
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    match (parts.is_empty(), stem) {
        (true, "lib" | "main") => {}
        (_, "mod") => {}
        _ => parts.push(stem.to_owned()),
    }
    Some(parts)
}

/// The text without `//` and `/* */` comments (string contents are left alone, which at worst
/// drops the rest of a line holding `//` in a string: no module path lives there).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else {
            let c = rest.chars().next().expect("non-empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The references and re-exports of one file.
fn parse(text: &str) -> ModuleFile {
    let mut references = Vec::new();
    let mut re_exports = BTreeMap::new();
    let mut remaining = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_use(rest) {
        remaining.push_str(&rest[..start.keyword]);
        let body_start = start.keyword + "use ".len();
        let end = rest[body_start..]
            .find(';')
            .map_or(rest.len(), |i| body_start + i);
        for (path, name) in flatten_use(&rest[body_start..end]) {
            if start.public {
                re_exports.insert(name, path.clone());
            }
            references.push(path);
        }
        rest = &rest[(end + 1).min(rest.len())..];
    }
    remaining.push_str(rest);
    references.extend(inline_paths(&remaining));
    ModuleFile {
        references,
        re_exports,
    }
}

/// Where a `use` declaration starts, and whether it is public (a re-export).
struct UseStart {
    keyword: usize,
    public: bool,
}

fn find_use(text: &str) -> Option<UseStart> {
    let mut from = 0;
    while let Some(i) = text[from..].find("use ") {
        let at = from + i;
        from = at + "use ".len();
        // A declaration starts its line, after its visibility if any.
        let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
        let lead = text[line_start..at].trim();
        let public = lead.starts_with("pub");
        if lead.is_empty() || (public && (lead == "pub" || lead.ends_with(')'))) {
            return Some(UseStart {
                keyword: at,
                public,
            });
        }
    }
    None
}

/// The paths of a use tree (`a::{b, c::{d as e, self}}`), each with the name it is known by.
fn flatten_use(tree: &str) -> Vec<(Vec<String>, String)> {
    let normal = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = Vec::new();
    flatten_into(&normal, &[], &mut out);
    out
}

fn flatten_into(tree: &str, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) {
    let tree = tree.trim().trim_start_matches("::");
    if let Some(open) = tree.find('{') {
        let mut base = prefix.to_vec();
        base.extend(
            tree[..open]
                .replace(' ', "")
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        );
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        for part in split_top_level(inner) {
            flatten_into(part, &base, out);
        }
        return;
    }
    let (path, alias) = match tree.split_once(" as ") {
        Some((path, alias)) => (path.replace(' ', ""), Some(alias.trim().to_owned())),
        None => (tree.replace(' ', ""), None),
    };
    let mut full = prefix.to_vec();
    full.extend(
        path.split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    if full.last().is_some_and(|s| s == "self") {
        full.pop();
    }
    let Some(last) = full.last().cloned() else {
        return;
    };
    if last == "*" {
        full.pop();
    }
    out.push((full, alias.unwrap_or(last)));
}

/// Splits `a, b::{c, d}, e` at the commas that are not inside braces.
fn split_top_level(inner: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Paths written in code: `crate::a::b`, `super::c`, `self::d`.
fn inline_paths(text: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for anchor in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(i) = text[from..].find(anchor) {
            let at = from + i;
            from = at + anchor.len();
            let preceded_by_ident = text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':');
            if preceded_by_ident {
                continue;
            }
            let path: String = text[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            found.push(
                path.split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
            );
        }
    }
    found
}

/// One loop in a directed graph, if there is one (depth-first search).
fn find_cycle(edges: &BTreeMap<ModulePath, BTreeSet<ModulePath>>) -> Option<Vec<ModulePath>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &ModulePath,
        edges: &BTreeMap<ModulePath, BTreeSet<ModulePath>>,
        marks: &mut BTreeMap<ModulePath, Mark>,
        stack: &mut Vec<ModulePath>,
    ) -> Option<Vec<ModulePath>> {
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            match marks.get(next) {
                Some(Mark::Open) => {
                    let start = stack.iter().position(|n| n == next).expect("on the stack");
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(Mark::Done) => {}
                None => {
                    if let Some(cycle) = visit(next, edges, marks, stack) {
                        return Some(cycle);
                    }
                }
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    for node in edges.keys() {
        if !marks.contains_key(node)
            && let Some(cycle) = visit(node, edges, &mut marks, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate laid out from `(file, text)` pairs in a temporary folder.
    fn graph_of(files: &[(&str, &str)]) -> (tempfile::TempDir, ModuleGraph) {
        let folder = tempfile::tempdir().expect("temp folder");
        for (name, text) in files {
            let path = folder.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("folders");
            std::fs::write(path, text).expect("write");
        }
        let graph = ModuleGraph::read(folder.path());
        (folder, graph)
    }

    #[test]
    fn a_loop_through_a_use_group_is_found() {
        let (_folder, graph) = graph_of(&[
            ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
            ("a.rs", "use crate::{b::Thing, std_like};\n"),
            ("b.rs", "use crate::c::{self, Other as Renamed};\n"),
            ("c.rs", "fn f() { crate::a::g(); }\n"),
        ]);
        let cycle = graph.file_cycle().expect("a -> b -> c -> a");
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 4, "{cycle:?}");
        assert!(graph.top_level_cycle().is_some());
    }

    #[test]
    fn a_loop_through_a_re_export_is_found_at_the_top_level() {
        let (_folder, graph) = graph_of(&[
            (
                "lib.rs",
                "pub mod engine;\npub mod session;\npub use engine::Event;\n",
            ),
            (
                "engine/mod.rs",
                "mod events;\npub use events::Event;\nuse crate::session::Verdict;\n",
            ),
            ("engine/events.rs", "pub enum Event {}\n"),
            ("session.rs", "use crate::Event;\npub struct Verdict;\n"),
        ]);
        assert!(
            graph.file_cycle().is_none(),
            "session -> engine::events is no loop"
        );
        let cycle = graph.top_level_cycle().expect("engine <-> session");
        assert_eq!(cycle.len(), 3, "{cycle:?}");
    }

    #[test]
    fn a_folder_map_its_children_and_comments_make_no_loop() {
        let (_folder, graph) = graph_of(&[
            ("lib.rs", "pub mod store;\npub use store::Store;\n"),
            (
                "store/mod.rs",
                "mod records;\nmod reads;\npub use records::Page;\n",
            ),
            (
                "store/records.rs",
                "pub struct Page;\n// use super::reads::x;\n",
            ),
            (
                "store/reads.rs",
                "use super::records::Page;\nfn f(_: crate::store::Page) {}\n",
            ),
            ("bin/tool.rs", "use crate::nothing;\n"),
        ]);
        assert_eq!(graph.module_count(), 4);
        assert!(graph.file_cycle().is_none());
        assert!(graph.top_level_cycle().is_none());
    }
}
