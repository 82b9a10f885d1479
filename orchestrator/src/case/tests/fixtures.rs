//! The case tests' helpers: a complaint and a rectification opened on a weekends-only calendar in
//! Beijing, routed to the registry ("reg").

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::application::RatingStage;
use crate::case::{
    self, Case, CaseCommand, CaseDecision, CaseKind, CasePolicy, Channel, Complainant,
    ComplainantKind, OpenCase, RatedService, Subject,
};
use crate::engine::tests::fixtures::CALENDAR;
use crate::error::EngineError;

/// 2026-03-02 (a Monday) plus `days`, at 10:00 in Beijing.
pub(super) fn monday(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap() + chrono::Duration::days(days)
}

pub(super) fn complaint(now: DateTime<Utc>) -> Case {
    let command = OpenCase {
        case_id: Uuid::now_v7(),
        kind: CaseKind::Complaint,
        number: "TS2026000001".into(),
        department_code: "reg".into(),
        channel: Channel::Phone,
        subject: Some(Subject::Department {
            department_code: "reg".into(),
        }),
        complainant: Some(Complainant {
            kind: ComplainantKind::NaturalPerson,
            name: "张三".into(),
            id_number: "110101199003071234".into(),
            phone: "13800138000".into(),
        }),
        facts: "窗口推诿".into(),
        rating: None,
        opened_by: "front_desk:li".into(),
    };
    case::open(&CALENDAR, CasePolicy::default(), command, now)
        .unwrap()
        .case
}

pub(super) fn rectification(now: DateTime<Utc>, real_name: bool) -> Case {
    let command = OpenCase {
        case_id: Uuid::now_v7(),
        kind: CaseKind::Rectification,
        number: "ZG2026000001".into(),
        department_code: "reg".into(),
        channel: Channel::Rating,
        subject: None,
        complainant: None,
        facts: "太慢".into(),
        rating: Some(RatedService {
            application_id: Uuid::now_v7(),
            receipt_number: None,
            stage: RatingStage::Dispatch,
            satisfaction_code: 5,
            comment: "太慢".into(),
            real_name,
            rated_at: now,
        }),
        opened_by: "system".into(),
    };
    case::open(&CALENDAR, CasePolicy::default(), command, now)
        .unwrap()
        .case
}

pub(super) fn run(
    case: &Case,
    command: CaseCommand,
    now: DateTime<Utc>,
) -> Result<CaseDecision, EngineError> {
    case::execute(case, command, now)
}

pub(super) fn reply(department: &str) -> CaseCommand {
    CaseCommand::Reply {
        department_code: department.into(),
        clerk_id: "c1".into(),
        text: "已整改".into(),
    }
}

pub(super) fn call_back(called_at: DateTime<Utc>) -> CaseCommand {
    CaseCommand::RecordCallBack {
        by: "li".into(),
        called_at,
        said: "满意".into(),
        satisfied: true,
    }
}

pub(super) fn close() -> CaseCommand {
    CaseCommand::Close {
        supervisor: "zhao".into(),
        note: String::new(),
    }
}
