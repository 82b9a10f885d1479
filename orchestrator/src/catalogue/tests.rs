//! Tests of loading the catalogue: what a good one reports, and every refusal naming the file and
//! the entry.

use super::{Catalogue, CatalogueSource, DeadlineAction};
use crate::error::CatalogueError;

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

#[test]
fn a_bad_national_code_names_the_matter_and_the_field() {
    let with = |line: &str| {
        Catalogue::from_sources(&[CatalogueSource {
            file: "codes.toml".into(),
            text: format!(
                "[[department]]\ncode = \"a\"\nname = \"A\"\n[[matter]]\ncode = \"x\"\nname = \"X\"\ndepartment = \"a\"\nlegal_limit_days = 5\npromised_limit_days = 1\n{line}\n"
            ),
        }])
    };
    let refused = with("matter_type = \"31\"").unwrap_err().to_string();
    assert!(refused.contains("codes.toml"), "{refused}");
    assert!(refused.contains("matter x"), "{refused}");
    assert!(refused.contains("matter_type"), "{refused}");
    let refused = with("basic_code = \"3300-00001\"").unwrap_err().to_string();
    assert!(refused.contains("basic_code"), "{refused}");
    let loaded = with("basic_code = \"330000001\"\nmatter_type = \"01\"").unwrap();
    let codes = loaded.matter("x").unwrap().exchange_codes();
    assert_eq!(codes.basic_code, "330000001");
    assert_eq!(codes.implementation_code, "X");
    assert_eq!(codes.matter_type, "01");
}
