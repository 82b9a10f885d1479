//! The fixtures every engine and session test shares: a small catalogue of four matters in
//! one bundle (two free, two with predecessors), a weekends-only calendar, no posts, and helpers
//! to submit and decide.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveTime, TimeZone, Utc};
use uuid::Uuid;

use crate::application::{Applicant, ApplicantKind, Application, Channel, MaterialSubmission};
use crate::calendar::Calendar;
use crate::catalogue::{Catalogue, CatalogueSource};
use crate::engine::{self, Command, Rules, Submit, Verdict};
use crate::error::EngineError;
use crate::machine::BranchState;
use crate::staffing::Staffing;

const CATALOGUE: &str = r#"
[[department]]
code = "reg"
name = "Registry"
[[department]]
code = "seal"
name = "Seals"
[[department]]
code = "fire"
name = "Fire"
[[material]]
code = "id"
name = "ID"
[[material]]
code = "lease"
name = "Lease"
[[matter]]
code = "register"
name = "Register"
department = "reg"
legal_limit_days = 20
promised_limit_days = 1
materials = ["id", "lease"]
[[matter]]
code = "seal"
name = "Seal"
department = "seal"
legal_limit_days = 5
promised_limit_days = 1
materials = ["id"]
[[matter]]
code = "fire-opinion"
name = "Fire opinion"
department = "fire"
legal_limit_days = 10
promised_limit_days = 3
[[matter]]
code = "engrave"
name = "Engrave"
department = "seal"
legal_limit_days = 5
promised_limit_days = 1
[[bundle]]
code = "open"
name = "Open"
lead_department = "reg"
promised_limit_days = 5
form = [{ key = "name", label = "Name", required = true }, { key = "note", label = "Note" }]
[[bundle.branch]]
matter = "register"
role = "approval"
[[bundle.branch]]
matter = "fire-opinion"
role = "joint_review"
[[bundle.branch]]
matter = "seal"
role = "approval"
depends_on = ["register"]
[[bundle.branch]]
matter = "engrave"
role = "approval"
depends_on = ["seal", "fire-opinion"]
"#;

pub(crate) static TEST_CATALOGUE: LazyLock<Catalogue> = LazyLock::new(catalogue);
pub(crate) static STAFFING: LazyLock<Staffing> = LazyLock::new(Default::default);
pub(crate) static CALENDAR: LazyLock<Calendar> = LazyLock::new(|| {
    Calendar::new(
        chrono_tz::Asia::Shanghai,
        NaiveTime::from_hms_opt(17, 30, 0).unwrap(),
    )
});

/// The test catalogue with a weekends-only calendar.
pub(crate) fn rules() -> Rules<'static> {
    Rules {
        catalogue: &TEST_CATALOGUE,
        calendar: &CALENDAR,
        staffing: &STAFFING,
    }
}

pub(crate) fn catalogue() -> Catalogue {
    Catalogue::from_sources(&[CatalogueSource {
        file: "test.toml".into(),
        text: CATALOGUE.into(),
    }])
    .unwrap()
}

pub(crate) fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 2, 0, 0).unwrap()
}

pub(crate) fn material(code: &str) -> MaterialSubmission {
    MaterialSubmission {
        material_code: code.into(),
        document_ref: format!("doc-{code}"),
    }
}

pub(crate) fn submission(materials: &[&str]) -> Submit {
    Submit {
        application_id: Uuid::now_v7(),
        bundle_code: "open".into(),
        applicant: Applicant {
            kind: ApplicantKind::NaturalPerson,
            name: "张三".into(),
            id_number: "11010519491231002X".into(),
            phone: "13800138000".into(),
        },
        form: BTreeMap::from([("name".to_owned(), "Tea house".to_owned())]),
        materials: materials.iter().map(|code| material(code)).collect(),
        channel: Channel::OnSite,
        key_project_code: None,
        front_desk_clerk: "desk-1".into(),
    }
}

pub(crate) fn submit(materials: &[&str]) -> Result<Application, EngineError> {
    engine::submit(rules(), submission(materials), &mut Uuid::now_v7, at(2)).map(|d| d.application)
}

pub(crate) fn branch_of(application: &Application, matter: &str) -> Uuid {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap()
        .id
}

pub(crate) fn state_of(application: &Application, matter: &str) -> BranchState {
    application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap()
        .state
}

pub(crate) fn decide(
    application: &Application,
    matter: &str,
    verdict: Verdict,
) -> Result<Application, EngineError> {
    let branch = application
        .branches
        .iter()
        .find(|b| b.matter_code == matter)
        .unwrap();
    let command = Command::Decide {
        branch_id: branch.id,
        department_code: branch.department_code.clone(),
        clerk_id: "clerk".into(),
        verdict,
    };
    engine::execute(rules(), application, command, at(3)).map(|d| d.application)
}

pub(crate) fn approve() -> Verdict {
    Verdict::Approve {
        result_reference: "LIC-1".into(),
    }
}
