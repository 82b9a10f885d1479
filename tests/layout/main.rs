//! The shape of the workspace, checked on every test run so that it cannot drift back: the engine
//! stays pure, the command-line client stays a gRPC client, no source file grows past what a
//! person can hold, and no module imports its way back to itself.
//!
//! These read the repository and `cargo tree`; they start no server.

mod modules;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Longest source file allowed outside the top-level `tests/` folder, in lines.
const MAX_FILE_LINES: usize = 700;

/// The workspace root (this crate sits in `tests/`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits inside the workspace")
        .to_path_buf()
}

/// The names of the packages `package` depends on at run time (`cargo tree -e normal`).
fn normal_dependencies(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            package,
        ])
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree -p {package} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

/// Which of `forbidden` appear among `package`'s run-time dependencies.
fn forbidden_dependencies(package: &str, forbidden: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = normal_dependencies(package)
        .into_iter()
        .filter(|name| {
            forbidden
                .iter()
                .any(|f| name == f || name.starts_with(&format!("{f}-")))
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[test]
fn the_engine_depends_on_no_runtime_network_or_database() {
    let found = forbidden_dependencies(
        "lianban-orchestrator",
        &["tokio", "tonic", "sea-orm", "sqlx"],
    );
    assert!(
        found.is_empty(),
        "the engine must stay pure, but depends on {found:?}"
    );
}

#[test]
fn the_command_line_client_links_no_store_or_telemetry() {
    let found = forbidden_dependencies("lianban-cli", &["sea-orm", "sqlx", "opentelemetry"]);
    assert!(
        found.is_empty(),
        "the CLI only speaks gRPC, but depends on {found:?}"
    );
}

/// Every `.rs` and `.proto` file of the workspace outside `tests/`, `target/` and hidden folders.
fn source_files() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut files = Vec::new();
    let mut folders = vec![root.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("readable folder") {
            let path = entry.expect("folder entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                let skipped = name.starts_with('.')
                    || name == "target"
                    || (folder == root && name == "tests");
                if !skipped {
                    folders.push(path);
                }
            } else if name.ends_with(".rs") || name.ends_with(".proto") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn no_source_file_outside_tests_is_longer_than_the_limit() {
    let files = source_files();
    assert!(
        files.iter().any(|f| f.ends_with("orchestrator/src/lib.rs")),
        "the walk must find the workspace's sources"
    );
    let too_long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(file).ok()?.lines().count();
            (lines > MAX_FILE_LINES).then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(
        too_long.is_empty(),
        "files over {MAX_FILE_LINES} lines: {too_long:#?}"
    );
}

#[test]
fn no_module_of_any_crate_imports_its_way_back_to_itself() {
    let root = workspace_root();
    let crates = ["proto", "orchestrator", "services", "services/cli", "tests"];
    let mut loops = Vec::new();
    for krate in crates {
        let source = root.join(krate).join("src");
        let graph = modules::ModuleGraph::read(&source);
        assert!(
            graph.module_count() > 1 || krate == "proto",
            "{krate}: no modules found under {}",
            source.display()
        );
        if let Some(cycle) = graph.file_cycle() {
            loops.push(format!("{krate}: files {}", cycle.join(" -> ")));
        }
        if let Some(cycle) = graph.top_level_cycle() {
            loops.push(format!("{krate}: top-level modules {}", cycle.join(" -> ")));
        }
    }
    assert!(
        loops.is_empty(),
        "modules import each other in a loop: {loops:#?}"
    );
}
