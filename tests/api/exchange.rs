//! The national data exchange over real gRPC: a joint acceptance with a special procedure, an
//! extension, a deemed consent, ratings and a hand-over is exported as GB/T 39046 datasets; every
//! line matches the schema in the repository; resuming from any cursor repeats and misses
//! nothing; new activity comes after the last cursor, exactly; only the exchange role may export.

use std::collections::BTreeSet;

use lianban_proto::v1 as pb;
use lianban_services::Config;
use lianban_services::config::ClockKind;
use lianban_tests::{Backend, TestDatabase, TestServer};
use serde_json::{Value, json};
use tonic::Code;
use tonic::transport::Channel;

use crate::credentials::{Credentials, bearer};
use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    a_joint_acceptance_exports_every_dataset_and_resumes_from_any_cursor,
    only_the_exchange_role_exports,
);

/// The schema of the export's lines, as the repository ships it.
const SCHEMA: &str = include_str!("../../proto/exchange/gbt39046-2020.schema.json");

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema: Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert!(
        jsonschema::meta::is_valid(&schema),
        "the schema is valid against its meta-schema"
    );
    // It refuses what the standard's tables refuse.
    let validator = validator();
    let line = |record: Value| {
        json!({
            "dataset": "政务服务绩效评价", "table": "表9", "cursor": "1.1",
            "application_id": "0190f5f4-7b1e-7000-8000-000000000001", "record": record,
        })
    };
    let good = json!({
        "办件编号": "0190f5f47b1e7000800000000000000101", "评价渠道": "电话",
        "评价时间": "20260302T090000", "评价次数": 1, "满意度": "满意", "满意度代码": "2",
        "行政区划": "350102",
    });
    assert!(validator.is_valid(&line(good.clone())));
    for (field, bad) in [
        ("满意度代码", json!("6")),
        ("评价时间", json!("2026-03-02 09:00:00")),
        ("评价渠道", json!("微信")),
        ("办件编号", json!("x".repeat(51))),
        ("评价次数", json!("1")),
    ] {
        let mut record = good.clone();
        record[field] = bad;
        assert!(!validator.is_valid(&line(record)), "{field}");
    }
}

fn exchange(channel: Channel) -> pb::exchange_service_client::ExchangeServiceClient<Channel> {
    pb::exchange_service_client::ExchangeServiceClient::new(channel)
}

/// Every record after `after`, `page` at a time, until caught up; with the last next_cursor.
async fn export_from(
    server: &TestServer,
    after: &str,
    page: u32,
) -> (Vec<pb::ExchangeRecord>, String) {
    let mut client = exchange(server.channel().await);
    let mut records = Vec::new();
    let mut cursor = after.to_owned();
    for _ in 0..10_000 {
        let answer = client
            .export_records(pb::ExportRecordsRequest {
                after_cursor: cursor.clone(),
                max_records: page,
            })
            .await
            .expect("the export answers")
            .into_inner();
        assert!(answer.records.len() <= page as usize);
        if let Some(last) = answer.records.last() {
            assert!(
                event_of(&answer.next_cursor) >= event_of(&last.cursor),
                "next_cursor {} is not before the last record's {}",
                answer.next_cursor,
                last.cursor
            );
        }
        records.extend(answer.records);
        cursor = answer.next_cursor;
        if answer.caught_up {
            return (records, cursor);
        }
    }
    panic!("the export never caught up");
}

/// The event id of a cursor.
fn event_of(cursor: &str) -> u64 {
    cursor
        .split('.')
        .next()
        .unwrap()
        .parse()
        .expect("a cursor starts with an event id")
}

/// A record as the CLI writes it: the line the schema describes.
fn line(record: &pb::ExchangeRecord) -> Value {
    json!({
        "dataset": record.dataset,
        "table": record.table,
        "cursor": record.cursor,
        "application_id": record.application_id,
        "record": serde_json::from_str::<Value>(&record.json).expect("a record is JSON"),
    })
}

fn key_of(record: &pb::ExchangeRecord) -> (String, String) {
    (record.cursor.clone(), record.json.clone())
}

/// The records of `table`, as JSON.
fn of_table(records: &[pb::ExchangeRecord], table: &str) -> Vec<Value> {
    records
        .iter()
        .filter(|r| r.table == table)
        .map(|r| serde_json::from_str(&r.json).unwrap())
        .collect()
}

async fn decide_on(server: &TestServer, application: &pb::Application, matter: &str) {
    let consent = pb::decide_task_request::Decision::Consent(pb::Consent {
        comment: "同意".into(),
    });
    decide(server, decision(application, matter, consent)).await;
}

/// A joint acceptance through a testing pause, an extension, a deemed consent, the last approval,
/// two ratings and a hand-over by post.
async fn walk_joint_acceptance(server: &TestServer) -> pb::Application {
    let application = server
        .intake()
        .await
        .submit_application(joint_acceptance())
        .await
        .expect("submitted")
        .into_inner()
        .application
        .expect("application");
    let mut tasks = server.tasks().await;
    let fire = branch(&application, "zjj-xiaofang-yanshou").id.clone();
    set_time(server, "2026-03-03 10:00").await;
    tasks
        .start_special_procedure(pb::StartSpecialProcedureRequest {
            idempotency_key: String::new(),
            branch_id: fire.clone(),
            department_code: "zjj".into(),
            clerk_id: "zjj-02".into(),
            kind: pb::PauseKind::Testing as i32,
            reason: "消防设施检测".into(),
            expected_days: 1,
        })
        .await
        .expect("testing starts");
    set_time(server, "2026-03-04 10:00").await;
    tasks
        .resume_task(pb::ResumeTaskRequest {
            idempotency_key: String::new(),
            branch_id: fire,
            department_code: "zjj".into(),
            clerk_id: "zjj-02".into(),
        })
        .await
        .expect("testing ends");
    let planning = branch(&application, "zrzy-guihua-heshi").id.clone();
    tasks
        .request_extension(pb::RequestExtensionRequest {
            idempotency_key: String::new(),
            branch_id: planning.clone(),
            department_code: "zrzy".into(),
            clerk_id: "zrzy-01".into(),
            days: 2,
            reason: "需补充测绘复核".into(),
        })
        .await
        .expect("an extension is asked for");
    server
        .supervision()
        .await
        .decide_extension(pb::DecideExtensionRequest {
            idempotency_key: String::new(),
            branch_id: planning,
            number: 1,
            supervisor_id: "jiancha-01".into(),
            approve: true,
            note: "同意延期".into(),
        })
        .await
        .expect("the extension is approved");
    for matter in [
        "zrzy-guihua-heshi",
        "zjj-xiaofang-yanshou",
        "rfb-renfang-yanshou",
    ] {
        decide_on(server, &application, matter).await;
    }
    // The archive department stays silent: deemed to consent at its deadline.
    assert_eq!(set_time(server, "2026-03-09 17:30").await, 1);
    let started = reread(server, &application.id).await;
    decide(
        server,
        decision(&started, "zjj-jungong-beian", approve("BA-2026-001")),
    )
    .await;
    let mut intake = server.intake().await;
    // At acceptance an old client's four stars, with no channel: the hall's own terminal.
    intake
        .rate_service(pb::RateServiceRequest {
            application_id: application.id.clone(),
            stage: pb::RatingStage::Acceptance as i32,
            score: 4,
            comment: "并联审批很快".into(),
            ..Default::default()
        })
        .await
        .expect("rated at acceptance");
    server
        .dispatch()
        .await
        .record_hand_over(pb::RecordHandOverRequest {
            idempotency_key: String::new(),
            application_id: application.id.clone(),
            method: pb::HandOverMethod::Post as i32,
            handed_by: "window-03".into(),
            recipient: "榕城实业".into(),
            tracking_reference: "SF1234567890".into(),
        })
        .await
        .expect("handed over");
    // At dispatch the national level by its code, by telephone, from a named rater.
    intake
        .rate_service(pb::RateServiceRequest {
            application_id: application.id.clone(),
            stage: pb::RatingStage::Dispatch as i32,
            satisfaction: pb::Satisfaction::VerySatisfied as i32,
            channel: pb::RatingChannel::Phone as i32,
            rater: Some(pb::Rater {
                name: "李经办".into(),
                phone: "13800138000".into(),
            }),
            comment: "寄送及时".into(),
            ..Default::default()
        })
        .await
        .expect("rated at dispatch");
    reread(server, &application.id).await
}

async fn a_joint_acceptance_exports_every_dataset_and_resumes_from_any_cursor(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let server = TestServer::start_manual(&database.url, beijing("2026-03-02 09:00")).await;
    let application = walk_joint_acceptance(&server).await;
    let (records, last) = export_from(&server, "", 7).await;

    // Every line matches the schema: field names, lengths, the date-time form, the code tables.
    let validator = validator();
    for record in &records {
        let line = line(record);
        let errors: Vec<String> = validator
            .iter_errors(&line)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{line}: {errors:?}");
        assert_eq!(record.application_id, application.id);
    }
    let tables: BTreeSet<&str> = records.iter().map(|r| r.table.as_str()).collect();
    assert_eq!(
        tables,
        BTreeSet::from(["表5", "表6", "表7", "表8", "表9", "表11"])
    );
    // One 办件 per matter: 表5, 表6 and 表8 once per branch, 表9 per branch and rating.
    let branches = application.branches.len();
    assert_eq!(of_table(&records, "表5").len(), branches);
    assert_eq!(of_table(&records, "表6").len(), branches);
    assert_eq!(of_table(&records, "表8").len(), branches);
    assert_eq!(of_table(&records, "表9").len(), 2 * branches);
    let numbers: BTreeSet<String> = of_table(&records, "表5")
        .iter()
        .map(|r| r["办件编号"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(numbers.len(), branches, "each branch its own 办件编号");

    let applied = of_table(&records, "表5");
    assert_eq!(applied[0]["申请者名称"], "王小明");
    assert_eq!(applied[0]["申请者证件号码"], "11010519491231002X");
    assert_eq!(applied[0]["申请者证件类型代码"], "111");
    assert_eq!(applied[0]["申报来源代码"], "1", "at the window (A.5)");
    assert_eq!(applied[0]["申请时间"], "20260302T090000", "local time");
    let accepted = of_table(&records, "表6");
    assert!(accepted.iter().all(|r| r["办件类型代码"] == "2"), "承诺件");
    assert!(
        accepted
            .iter()
            .any(|r| r["基本编码"] == "0701200001" && r["事项名称"] == "规划条件核实"),
        "the catalogue's national codes: {accepted:?}"
    );

    let steps = of_table(&records, "表7");
    let testing: Vec<&Value> = steps
        .iter()
        .filter(|r| r["特别程序种类代码"] == "2")
        .collect();
    assert_eq!(testing.len(), 2, "the pause and its end: {steps:?}");
    assert_eq!(testing[0]["特别程序种类名称"], "检验检测");
    assert_eq!(testing[0]["特别程序开始时间"], "20260303T100000");
    assert_eq!(testing[1]["特别程序结束时间"], "20260304T100000");
    assert_eq!(testing[1]["环节办理状态代码"], "2");
    let extended: Vec<&Value> = steps
        .iter()
        .filter(|r| r["特别程序种类代码"] == "1")
        .collect();
    assert_eq!(extended.len(), 1, "{steps:?}");
    assert_eq!(extended[0]["特别程序种类名称"], "延长审批");
    assert!(extended[0]["特别程序结果"].as_str().unwrap().contains('2'));
    assert!(
        steps
            .iter()
            .any(|r| r["业务动作"] == "通过" && r["环节处理人"] == "系统"),
        "the deemed consent passes, by the system"
    );

    let supervision = of_table(&records, "表11");
    assert_eq!(supervision.len(), 1, "{supervision:?}");
    assert_eq!(supervision[0]["监察预警类型代码"], "3");
    assert_eq!(supervision[0]["督办发出时间"], "20260309T173000");
    assert_eq!(supervision[0]["机构名称"], "城建档案馆");
    assert_eq!(supervision[0]["事项类型代码"], "07");

    let completed = of_table(&records, "表8");
    assert!(completed.iter().all(|r| r["是否快递寄送结果"] == "1"));
    assert!(completed.iter().any(|r| r["结果证照编号"] == "BA-2026-001"));
    let ratings = of_table(&records, "表9");
    let codes: BTreeSet<&str> = ratings
        .iter()
        .map(|r| r["满意度代码"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        BTreeSet::from(["1", "2"]),
        "4 stars is 2, 非常满意 is 1"
    );
    for rating in &ratings {
        let (channel, rater, level) = match rating["满意度代码"].as_str().unwrap() {
            "2" => ("政务大厅其他终端", "王小明", "满意"),
            _ => ("电话", "李经办", "非常满意"),
        };
        assert_eq!(rating["评价渠道"], channel, "{rating}");
        assert_eq!(rating["评价人"], rater, "{rating}");
        assert_eq!(rating["满意度"], level, "{rating}");
    }

    // Resuming from every cursor gives exactly the records after it.
    let all: Vec<(String, String)> = records.iter().map(key_of).collect();
    let cursors: BTreeSet<&str> = records.iter().map(|r| r.cursor.as_str()).collect();
    assert_eq!(cursors.len(), records.len(), "every cursor is its own");
    for (index, record) in records.iter().enumerate() {
        let (rest, _) = export_from(&server, &record.cursor, 500).await;
        let rest: Vec<(String, String)> = rest.iter().map(key_of).collect();
        assert_eq!(rest, all[index + 1..], "after {}", record.cursor);
    }
    let (nothing, same) = export_from(&server, &last, 50).await;
    assert!(nothing.is_empty());
    assert_eq!(same, last);

    // New activity comes after the last cursor, all of it and nothing else.
    let newer = accepted_company(&server).await;
    let (new, _) = export_from(&server, &last, 3).await;
    assert!(!new.is_empty());
    assert!(new.iter().all(|r| r.application_id == newer.id));
    let (again, _) = export_from(&server, "", 500).await;
    let again: Vec<(String, String)> = again.iter().map(key_of).collect();
    let expected: Vec<(String, String)> =
        all.iter().cloned().chain(new.iter().map(key_of)).collect();
    assert_eq!(again, expected);

    // A cursor this export never gave, and a page too large, are refused by field.
    let mut client = exchange(server.channel().await);
    for (request, field) in [
        (
            pb::ExportRecordsRequest {
                after_cursor: "next".into(),
                max_records: 1,
            },
            "after_cursor",
        ),
        (
            pb::ExportRecordsRequest {
                after_cursor: String::new(),
                max_records: 501,
            },
            "max_records",
        ),
    ] {
        assert_status(
            client.export_records(request).await,
            Code::InvalidArgument,
            field,
        );
    }
    server.stop().await;
}

async fn only_the_exchange_role_exports(backend: Backend) {
    let credentials = Credentials::new();
    let database = TestDatabase::create(backend).await;
    let config = credentials.secure(Config {
        database_url: database.url.clone(),
        clock: ClockKind::Manual,
        manual_clock_start: Some("2026-03-02T01:00:00Z".parse().unwrap()),
        ..Config::default()
    });
    let server = TestServer::start_with(config).await.expect("starts");
    let desk = credentials
        .channel(server.address, Some("lianban:front-desk:desk-1"))
        .await;
    pb::intake_service_client::IntakeServiceClient::new(desk)
        .submit_application(company(&COMPANY_MATERIALS))
        .await
        .expect("submitted");
    let request = || pb::ExportRecordsRequest {
        after_cursor: String::new(),
        max_records: 10,
    };
    for uri in [
        "lianban:front-desk:desk-1",
        "lianban:dispatch:window-1",
        "lianban:department:scjg",
        "lianban:supervisor:jiancha-1",
        "lianban:admin:ops-1",
        "lianban:auditor:shenji-1",
    ] {
        let channel = credentials.channel(server.address, Some(uri)).await;
        let refused = Refusal::of(
            &exchange(channel)
                .export_records(request())
                .await
                .expect_err("refused"),
        );
        assert_eq!(
            (refused.code, refused.reason.as_str()),
            (Code::PermissionDenied, "ROLE_NOT_ALLOWED"),
            "{uri}"
        );
    }
    let anonymous = credentials.channel(server.address, None).await;
    let facilitator = credentials.token("bangban-1", &["facilitator"]);
    let refused = exchange(anonymous.clone())
        .export_records(bearer(request(), &facilitator))
        .await
        .expect_err("a facilitator is refused");
    assert_eq!(refused.code(), Code::PermissionDenied);

    let uploader = credentials
        .channel(server.address, Some("lianban:exchange:uploader-1"))
        .await;
    let page = exchange(uploader)
        .export_records(request())
        .await
        .expect("the exchange role exports")
        .into_inner();
    assert_eq!(page.records.len(), 10);
    let token = credentials.token("uploader-2", &["exchange"]);
    exchange(anonymous)
        .export_records(bearer(request(), &token))
        .await
        .expect("with a token too");
    server.stop().await;
}
