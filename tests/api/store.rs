//! One conformance suite for the store, run on SQLite and on PostgreSQL: the same calls must give
//! the same answers on both.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use lianban_orchestrator::application::{Applicant, ApplicantKind, Channel, MaterialSubmission};
use lianban_orchestrator::engine::{self, Command, Submit, Verdict};
use lianban_orchestrator::{
    Application, ApplicationState, BranchState, Calendar, Catalogue, Decision, Rules,
};
use lianban_services::catalogue;
use lianban_services::store::{
    ApplicationFilter, BranchFilter, Change, IdempotencyRecord, PageRequest, Store, StoreError,
};
use lianban_tests::{Backend, TestDatabase};
use std::sync::LazyLock;
use uuid::Uuid;

use crate::on_every_backend;
use crate::support::COMPANY_MATERIALS;

on_every_backend!(
    an_application_reads_back_exactly_as_written,
    a_stale_write_is_a_conflict_and_changes_nothing,
    an_idempotency_key_is_recorded_once,
    changes_written_together_are_refused_one_by_one,
    an_upgraded_store_extends_each_chain_where_it_ended,
    listing_filters_and_pages_in_submission_order,
    a_document_is_stored_compact_and_reads_back_as_its_json,
    a_json_document_from_before_reads_and_is_compacted_when_it_next_changes,
    whether_a_day_s_digest_is_written_is_known_without_reading_it,
);

fn submission(materials: &[&str]) -> Submit {
    Submit {
        application_id: Uuid::now_v7(),
        bundle_code: "kaiban-qiye".into(),
        applicant: Applicant {
            kind: ApplicantKind::NaturalPerson,
            name: "王小明".into(),
            id_number: "11010519491231002X".into(),
            phone: String::new(),
        },
        form: [
            "company_name",
            "registered_capital",
            "business_scope",
            "address",
            "legal_representative",
        ]
        .into_iter()
        .map(|k| (k.to_owned(), "值".to_owned()))
        .collect::<BTreeMap<_, _>>(),
        materials: materials
            .iter()
            .map(|c| MaterialSubmission {
                material_code: (*c).into(),
                document_ref: format!("doc-{c}"),
            })
            .collect(),
        channel: Channel::OnSite,
        key_project_code: None,
        front_desk_clerk: "desk".into(),
    }
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| catalogue::sample().unwrap());
static STAFFING: LazyLock<lianban_orchestrator::staffing::Staffing> =
    LazyLock::new(Default::default);
static CALENDAR: LazyLock<Calendar> =
    LazyLock::new(|| lianban_services::calendar::load(&Default::default()).unwrap());

fn rules() -> Rules<'static> {
    Rules {
        catalogue: &CATALOGUE,
        calendar: &CALENDAR,
        staffing: &STAFFING,
    }
}

async fn open(backend: Backend) -> (Store, TestDatabase) {
    let database = TestDatabase::create(backend).await;
    let store = Store::connect(&database.url).await.expect("connect");
    (store, database)
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 2, 0, 0).unwrap()
}

async fn insert(store: &Store, materials: &[&str]) -> Application {
    let decision =
        engine::submit(rules(), submission(materials), &mut Uuid::now_v7, now()).unwrap();
    commit(store, &decision, None, None).await.unwrap();
    decision.application
}

async fn commit(
    store: &Store,
    decision: &Decision,
    previous: Option<&Application>,
    idempotency: Option<IdempotencyRecord>,
) -> Result<(), StoreError> {
    let change = Change {
        application: &decision.application,
        previous,
        events: &decision.events,
        actor: "test",
        at: now(),
        idempotency,
        notices: &[],
    };
    store.commit(change).await
}

fn approve_registration(application: &Application) -> Decision {
    let branch = application
        .branches
        .iter()
        .find(|b| b.matter_code == "scjg-qiye-sheli")
        .unwrap();
    let command = Command::Decide {
        branch_id: branch.id,
        department_code: "scjg".into(),
        clerk_id: "c".into(),
        verdict: Verdict::Approve {
            result_reference: "R".into(),
        },
    };
    engine::execute(rules(), application, command, now()).unwrap()
}

async fn an_application_reads_back_exactly_as_written(backend: Backend) {
    let (store, _database) = open(backend).await;
    let application = insert(&store, &COMPANY_MATERIALS).await;
    assert_eq!(
        store.application(application.id).await.unwrap().as_ref(),
        Some(&application)
    );
    let receipt = application.receipt_number.clone().unwrap();
    assert_eq!(
        store
            .application_by_receipt(&receipt)
            .await
            .unwrap()
            .map(|a| a.id),
        Some(application.id)
    );
    let branch = application.branches[3].id;
    assert_eq!(
        store.application_of_branch(branch).await.unwrap(),
        Some(application.id)
    );
    assert_eq!(store.application(Uuid::now_v7()).await.unwrap(), None);
    let kinds = store.event_kinds(application.id).await.unwrap();
    assert_eq!(kinds[..2], ["submitted", "accepted"]);
    assert_eq!(kinds.iter().filter(|k| *k == "branch_started").count(), 1);
}

async fn a_stale_write_is_a_conflict_and_changes_nothing(backend: Backend) {
    let (store, _database) = open(backend).await;
    let application = insert(&store, &COMPANY_MATERIALS).await;
    let first = approve_registration(&application);
    commit(&store, &first, Some(&application), None)
        .await
        .unwrap();
    // A second writer that read the same version loses, and leaves no trace.
    let second = approve_registration(&application);
    let events_before = store.event_kinds(application.id).await.unwrap().len();
    assert!(
        matches!(commit(&store, &second, Some(&application), None).await, Err(StoreError::Conflict(id)) if id == application.id)
    );
    assert_eq!(
        store.event_kinds(application.id).await.unwrap().len(),
        events_before
    );
    assert_eq!(
        store.application(application.id).await.unwrap().unwrap(),
        first.application
    );
}

async fn an_idempotency_key_is_recorded_once(backend: Backend) {
    let (store, _database) = open(backend).await;
    let record = |response: &[u8]| IdempotencyRecord {
        scope: "SubmitApplication".into(),
        key: "k-1".into(),
        request_hash: "h".into(),
        response: response.to_vec(),
    };
    let first = engine::submit(rules(), submission(&[]), &mut Uuid::now_v7, now()).unwrap();
    commit(&store, &first, None, Some(record(b"first")))
        .await
        .unwrap();
    let second = engine::submit(rules(), submission(&[]), &mut Uuid::now_v7, now()).unwrap();
    let result = commit(&store, &second, None, Some(record(b"second"))).await;
    assert!(
        matches!(result, Err(StoreError::KeyTaken { .. })),
        "{result:?}"
    );
    assert_eq!(
        store.application(second.application.id).await.unwrap(),
        None,
        "the losing transaction rolled back"
    );
    let remembered = store
        .remembered("SubmitApplication", "k-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(remembered.response, b"first");
    assert_eq!(
        store.remembered("SubmitApplication", "k-2").await.unwrap(),
        None
    );
}

/// Concurrent changes share the writer's transactions: a stale change and a taken key are each
/// refused on their own, and leave no trace, while every other change commits.
async fn changes_written_together_are_refused_one_by_one(backend: Backend) {
    let (store, _database) = open(backend).await;
    let stale_target = insert(&store, &COMPANY_MATERIALS).await;
    let winner = approve_registration(&stale_target);
    commit(&store, &winner, Some(&stale_target), None)
        .await
        .unwrap();
    let events_before = store.event_kinds(stale_target.id).await.unwrap().len();
    let mut others = Vec::new();
    for _ in 0..12 {
        others.push(insert(&store, &COMPANY_MATERIALS).await);
    }
    let record = |response: &[u8]| IdempotencyRecord {
        scope: "SubmitApplication".into(),
        key: "shared".into(),
        request_hash: "h".into(),
        response: response.to_vec(),
    };

    let mut tasks = tokio::task::JoinSet::new();
    let spawn_commit = |tasks: &mut tokio::task::JoinSet<_>,
                        label: String,
                        decision: Decision,
                        previous: Option<Application>,
                        key: Option<IdempotencyRecord>| {
        let store = store.clone();
        tasks.spawn(async move {
            let outcome = commit(&store, &decision, previous.as_ref(), key).await;
            (label, decision.application, outcome)
        });
    };
    spawn_commit(
        &mut tasks,
        "stale".into(),
        approve_registration(&stale_target),
        Some(stale_target.clone()),
        None,
    );
    for (index, other) in others.iter().enumerate() {
        spawn_commit(
            &mut tasks,
            format!("approve {index}"),
            approve_registration(other),
            Some(other.clone()),
            None,
        );
    }
    for label in ["keyed a", "keyed b"] {
        let decision = engine::submit(rules(), submission(&[]), &mut Uuid::now_v7, now()).unwrap();
        spawn_commit(
            &mut tasks,
            label.into(),
            decision,
            None,
            Some(record(label.as_bytes())),
        );
    }

    let mut keyed = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (label, application, outcome) = joined.unwrap();
        let stored = store.application(application.id).await.unwrap();
        match label.as_str() {
            "stale" => {
                assert!(
                    matches!(outcome, Err(StoreError::Conflict(id)) if id == stale_target.id),
                    "{outcome:?}"
                );
                assert_eq!(stored.as_ref(), Some(&winner.application));
            }
            "keyed a" | "keyed b" => keyed.push((label, application, outcome, stored)),
            _ => {
                assert!(outcome.is_ok(), "{label}: {outcome:?}");
                assert_eq!(stored.as_ref(), Some(&application), "{label}");
            }
        }
    }
    assert_eq!(
        store.event_kinds(stale_target.id).await.unwrap().len(),
        events_before,
        "the stale change left no events"
    );
    let (won, lost): (Vec<_>, Vec<_>) = keyed
        .into_iter()
        .partition(|(_, _, outcome, _)| outcome.is_ok());
    assert_eq!(
        (won.len(), lost.len()),
        (1, 1),
        "exactly one keyed submission commits"
    );
    let (winner_label, winner_application, _, winner_stored) = &won[0];
    let (_, _, loser_outcome, loser_stored) = &lost[0];
    assert!(
        matches!(loser_outcome, Err(StoreError::KeyTaken { .. })),
        "{loser_outcome:?}"
    );
    assert_eq!(
        loser_stored, &None,
        "the refused submission left no application"
    );
    assert_eq!(winner_stored.as_ref(), Some(winner_application));
    let remembered = store
        .remembered("SubmitApplication", "shared")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(remembered.response, winner_label.as_bytes());
}

/// A store written before the chain's position was kept beside its head: the migration finds
/// where each chain ends, and the next change links onto it.
async fn an_upgraded_store_extends_each_chain_where_it_ended(backend: Backend) {
    use lianban_services::store::migration::Migrator;
    use sea_orm_migration::MigratorTrait;
    let (store, _database) = open(backend).await;
    let application = insert(&store, &COMPANY_MATERIALS).await;
    let events_before = store.event_kinds(application.id).await.unwrap().len();
    assert!(events_before > 1);
    // Back to before `m0003_add_audit_seq` (it and every migration after it), then up again.
    let steps = crate::support::migrations_from("m0003_add_audit_seq");
    Migrator::down(store.connection(), Some(steps))
        .await
        .unwrap();
    Migrator::up(store.connection(), None).await.unwrap();

    let approval = approve_registration(&application);
    commit(&store, &approval, Some(&application), None)
        .await
        .unwrap();
    let (rows, head) = store.audit_trail(application.id).await.unwrap().unwrap();
    let verification = lianban_services::audit::verify(&rows, &head);
    assert!(verification.is_intact(), "{}", verification.problem);
    assert_eq!(rows.len(), events_before + approval.events.len());
}

async fn listing_filters_and_pages_in_submission_order(backend: Backend) {
    let (store, _database) = open(backend).await;
    let mut accepted = Vec::new();
    for _ in 0..5 {
        accepted.push(insert(&store, &COMPANY_MATERIALS).await.id);
    }
    let waiting = insert(&store, &[]).await.id;
    let filter = ApplicationFilter {
        states: vec![ApplicationState::InProgress],
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut page = PageRequest {
        size: 2,
        after: None,
    };
    loop {
        let found = store.applications(&filter, &page).await.unwrap();
        seen.extend(found.items.iter().map(|a| a.id));
        match found.next_after {
            Some(after) => page.after = Some(after),
            None => break,
        }
    }
    assert_eq!(seen, accepted);
    let all = store
        .applications(
            &ApplicationFilter::default(),
            &PageRequest {
                size: 50,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(all.items.last().map(|a| a.id), Some(waiting));
    let open = BranchFilter {
        department_code: Some("scjg".into()),
        states: vec![BranchState::Open],
        bundle_code: None,
        ..Default::default()
    };
    let branches = store
        .branches(
            &open,
            &PageRequest {
                size: 50,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        branches.items.iter().map(|(a, _)| a.id).collect::<Vec<_>>(),
        accepted
    );
    let pending = BranchFilter {
        department_code: Some("scjg".into()),
        states: vec![BranchState::Pending],
        bundle_code: None,
        ..Default::default()
    };
    let branches = store
        .branches(
            &pending,
            &PageRequest {
                size: 50,
                after: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(branches.items.len(), 1);
}

/// The lengths of an application's compact and JSON columns, as stored.
async fn stored_lengths(store: &Store, id: Uuid) -> (Option<i32>, i32) {
    use sea_orm::{ConnectionTrait, Statement};
    let connection = store.connection();
    let backend = connection.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT LENGTH(body) AS body, LENGTH(document) AS document FROM applications WHERE id = $1"
        }
        _ => {
            "SELECT LENGTH(body) AS body, LENGTH(document) AS document FROM applications WHERE id = ?"
        }
    };
    let row = connection
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [id.to_string().into()],
        ))
        .await
        .unwrap()
        .expect("the row");
    (
        row.try_get::<Option<i32>>("", "body").unwrap(),
        row.try_get("", "document").unwrap(),
    )
}

async fn a_document_is_stored_compact_and_reads_back_as_its_json(backend: Backend) {
    let (store, _database) = open(backend).await;
    let application = insert(&store, &COMPANY_MATERIALS).await;
    let json = serde_json::to_vec(&application).unwrap();
    let (body, document) = stored_lengths(&store, application.id).await;
    let body = body.expect("a compact document");
    assert_eq!(document, 0, "no JSON beside the compact document");
    assert!(
        body as usize * 3 < json.len(),
        "{body} bytes kept for {} bytes of JSON",
        json.len()
    );
    let shown = store.document_json(application.id).await.unwrap().unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&shown).unwrap(),
        serde_json::to_value(&application).unwrap()
    );
    assert_eq!(store.document_json(Uuid::now_v7()).await.unwrap(), None);
}

async fn a_json_document_from_before_reads_and_is_compacted_when_it_next_changes(backend: Backend) {
    use sea_orm::{ConnectionTrait, Statement};
    let (store, _database) = open(backend).await;
    let application = insert(&store, &COMPANY_MATERIALS).await;
    // As a store written before the compact encoding keeps it.
    let connection = store.connection();
    let db_backend = connection.get_database_backend();
    let sql = match db_backend {
        sea_orm::DbBackend::Postgres => {
            "UPDATE applications SET document = $1, body = NULL WHERE id = $2"
        }
        _ => "UPDATE applications SET document = ?, body = NULL WHERE id = ?",
    };
    connection
        .execute_raw(Statement::from_sql_and_values(
            db_backend,
            sql,
            [
                serde_json::to_string(&application).unwrap().into(),
                application.id.to_string().into(),
            ],
        ))
        .await
        .unwrap();
    assert_eq!(
        store.application(application.id).await.unwrap().as_ref(),
        Some(&application)
    );
    assert!(stored_lengths(&store, application.id).await.0.is_none());

    let decided = approve_registration(&application);
    commit(&store, &decided, Some(&application), None)
        .await
        .unwrap();
    let (body, document) = stored_lengths(&store, application.id).await;
    assert!(body.is_some_and(|b| b > 0));
    assert_eq!(document, 0);
    assert_eq!(
        store.application(application.id).await.unwrap().as_ref(),
        Some(&decided.application)
    );
}

/// The timer asks at every wake whether today's digest is written; the answer must follow what was
/// written, day by day.
async fn whether_a_day_s_digest_is_written_is_known_without_reading_it(backend: Backend) {
    let (store, _database) = open(backend).await;
    assert!(!store.has_digest("2026-03-04").await.unwrap());
    assert!(
        store
            .write_digest("2026-03-04", now(), "{\"departments\":[]}".to_owned())
            .await
            .unwrap()
    );
    assert!(store.has_digest("2026-03-04").await.unwrap());
    assert!(!store.has_digest("2026-03-05").await.unwrap());
    assert!(!store.has_digest("2026-03-03").await.unwrap());
}
