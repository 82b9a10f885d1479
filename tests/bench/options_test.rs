//! The load generator's command line: `--help` tells a person what it does and starts nothing; a
//! mistyped option, or a combination it cannot run, is refused before any server starts.

use std::process::Command;

fn generator(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lianban-bench"))
        .args(args)
        .output()
        .expect("run lianban-bench")
}

#[test]
fn help_lists_the_options_and_runs_nothing() {
    let answer = generator(&["--help"]);
    assert!(answer.status.success(), "{answer:?}");
    let help = String::from_utf8(answer.stdout).unwrap();
    for option in [
        "--quick",
        "--scale-only",
        "--postgres",
        "--replicas <N>",
        "--scale <N>",
        "--due <M>",
        "--approved",
        "--server <FILE>",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
    assert!(
        !help.contains("floor-server"),
        "the internal mode stays hidden:\n{help}"
    );
    assert!(
        !help.contains("# Lianban benchmark"),
        "nothing ran:\n{help}"
    );
}

/// Asserts that the generator refused `args` as clap does (exit code 2, nothing on standard
/// output) with an error naming `mentioning`.
fn assert_refused(args: &[&str], mentioning: &str) {
    let answer = generator(args);
    assert_eq!(answer.status.code(), Some(2), "{args:?}: {answer:?}");
    let error = String::from_utf8(answer.stderr).unwrap();
    assert!(error.contains(mentioning), "{args:?}: {error}");
    assert!(
        String::from_utf8(answer.stdout).unwrap().is_empty(),
        "{args:?}"
    );
}

#[test]
fn a_mistyped_option_or_value_is_refused_before_anything_starts() {
    for args in [
        &["--quik"][..],
        &["--scale", "many"][..],
        &["--replicas", "0"][..],
    ] {
        assert_refused(args, "error:");
    }
}

#[test]
fn a_scale_run_over_several_replicas_is_refused_before_anything_starts() {
    assert_refused(
        &["--scale", "5", "--replicas", "2"],
        "--scale needs --replicas 1",
    );
}

#[test]
fn approved_needs_a_scale_run_and_no_due() {
    for args in [
        &["--approved"][..],
        &["--scale", "5", "--due", "2", "--approved"][..],
    ] {
        assert_refused(args, "--approved");
    }
}
