//! Retries are safe: the same key returns the first result and creates nothing twice; the same key
//! with a different request is refused.

use lianban_tests::Backend;
use tonic::Code;

use crate::on_every_backend;
use crate::support::*;

on_every_backend!(
    a_repeated_submission_returns_the_first_application,
    concurrent_retries_create_one_application,
    a_key_reused_for_a_different_submission_is_refused,
    a_repeated_decision_is_recorded_once,
    concurrent_retries_of_a_decision_get_the_first_answer,
);

async fn a_repeated_submission_returns_the_first_application(backend: Backend) {
    let running = start(backend).await;
    let mut intake = running.server.intake().await;
    let request = company(&COMPANY_MATERIALS);
    let first = intake
        .submit_application(request.clone())
        .await
        .unwrap()
        .into_inner();
    let second = intake
        .submit_application(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first, second);
    assert_eq!(application_count(&running.server).await, 1);
}

async fn concurrent_retries_create_one_application(backend: Backend) {
    let running = start(backend).await;
    let request = company(&["sheli-shenqingshu"]);
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let mut intake = running.server.intake().await;
        let request = request.clone();
        attempts.push(tokio::spawn(async move {
            intake.submit_application(request).await
        }));
    }
    let mut ids = Vec::new();
    for attempt in attempts {
        let response = attempt.await.unwrap().expect("every retry succeeds");
        ids.push(response.into_inner().application.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one application for one key: {ids:?}");
    assert_eq!(application_count(&running.server).await, 1);
}

async fn a_key_reused_for_a_different_submission_is_refused(backend: Backend) {
    let running = start(backend).await;
    let mut intake = running.server.intake().await;
    let request = company(&COMPANY_MATERIALS);
    intake.submit_application(request.clone()).await.unwrap();
    let mut different = request.clone();
    different
        .form
        .insert("company_name".into(), "另一家公司".into());
    assert_refused(
        intake.submit_application(different).await,
        Code::AlreadyExists,
        "KEY_REUSED",
        "idempotency_key",
    );
    assert_eq!(application_count(&running.server).await, 1);
}

async fn a_repeated_decision_is_recorded_once(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let mut tasks = running.server.tasks().await;
    let request = decision(
        &application,
        "scjg-qiye-sheli",
        approve("91350102MA2Y000001"),
    );
    let first = tasks
        .decide_task(request.clone())
        .await
        .unwrap()
        .into_inner();
    let second = tasks
        .decide_task(request.clone())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        first, second,
        "the retry gets the first answer, not a state error"
    );
    let now = reread(&running.server, &application.id).await;
    assert_eq!(now.version, first.application_version, "decided once");
    let mut changed = request;
    changed.decision = Some(reject("changed my mind"));
    assert_refused(
        tasks.decide_task(changed).await,
        Code::AlreadyExists,
        "KEY_REUSED",
        "idempotency_key",
    );
}

async fn concurrent_retries_of_a_decision_get_the_first_answer(backend: Backend) {
    let running = start(backend).await;
    let application = accepted_company(&running.server).await;
    let request = decision(
        &application,
        "scjg-qiye-sheli",
        approve("91350102MA2Y000001"),
    );
    let mut attempts = Vec::new();
    for _ in 0..8 {
        let mut tasks = running.server.tasks().await;
        let request = request.clone();
        attempts.push(tokio::spawn(
            async move { tasks.decide_task(request).await },
        ));
    }
    let mut answers = Vec::new();
    for attempt in attempts {
        answers.push(
            attempt
                .await
                .unwrap()
                .expect("every retry succeeds")
                .into_inner(),
        );
    }
    assert!(
        answers.windows(2).all(|pair| pair[0] == pair[1]),
        "one answer for one key"
    );
    let now = reread(&running.server, &application.id).await;
    assert_eq!(now.version, application.version + 1, "decided once");
}
