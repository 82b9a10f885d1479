//! 部门待办: a department clerk signed in through the provider decides a branch in the console,
//! and the audit trail read over gRPC names that clerk of that department.

use fantoccini::Locator;
use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use lianban_tests::credentials::bearer;

use crate::on_every_backend;
use crate::support::{AUDITOR, Centre, branch, sent_without_refusal, state_name};

on_every_backend!(a_clerk_decides_a_branch_in_the_console_and_the_trail_names_them);

async fn a_clerk_decides_a_branch_in_the_console_and_the_trail_names_them(backend: Backend) {
    let centre = Centre::open(backend, "2026-03-02 09:00").await;
    let application = centre.submit_company("", "福州榕城茶业有限公司").await;
    let registration = branch(&application, "scjg-qiye-sheli").id.clone();

    centre.sign_in(centre.clerk("scjg-01", "scjg")).await;
    centre.open_page("/queue").await;
    centre
        .browser
        .wait_for(&format!("[data-branch=\"{registration}\"]"))
        .await;
    let decide = format!("form[data-decide=\"{registration}\"]");
    centre
        .browser
        .wait_for(&format!("{decide} select[name=decision]"))
        .await
        .select_by_value("approve")
        .await
        .expect("choose approve");
    centre
        .browser
        .wait_for(&format!("{decide} input[name=result_reference]"))
        .await
        .send_keys("91350102MA2Y000001")
        .await
        .expect("type the licence's credit code");
    centre
        .browser
        .client()
        .form(Locator::Css(&decide))
        .await
        .expect("the decision form")
        .submit()
        .await
        .expect("send the decision");
    sent_without_refusal(&centre.browser, &decide).await;

    // Over gRPC: the branch is approved, and the trail says who did it.
    let decided = centre
        .browser
        .wait_until("the branch to be approved", async || {
            let read = centre.application(&application.id).await;
            let state = branch(&read, "scjg-qiye-sheli").state;
            (state_name(state) == "APPROVED").then_some(read)
        })
        .await;
    let outcome = branch(&decided, "scjg-qiye-sheli")
        .outcome
        .clone()
        .expect("an outcome");
    assert_eq!(outcome.result_reference, "91350102MA2Y000001");
    let decider = outcome.decided_by.expect("who decided");
    assert_eq!(
        (decider.department_code.as_str(), decider.clerk_id.as_str()),
        ("scjg", "scjg-01")
    );
    let trail =
        pb::supervision_service_client::SupervisionServiceClient::new(centre.channel().await)
            .get_audit_trail(bearer(
                pb::GetAuditTrailRequest {
                    application_id: application.id.clone(),
                    page_size: 500,
                    ..Default::default()
                },
                &centre.token(AUDITOR),
            ))
            .await
            .expect("an auditor reads the trail")
            .into_inner();
    assert!(trail.verified);
    let by_clerk: Vec<&pb::AuditEvent> = trail
        .events
        .iter()
        .filter(|event| event.actor == "department:scjg/scjg-01")
        .collect();
    assert!(
        by_clerk
            .iter()
            .any(|event| event.detail_json.contains(&registration)),
        "the decision names the clerk: {:?}",
        trail
            .events
            .iter()
            .map(|e| (&e.actor, &e.kind))
            .collect::<Vec<_>>()
    );
    centre.close().await;
}
