//! 督查台: a supervisor approves a department's extension request (延期申请) in the console, and
//! the branch's new deadline is what the gRPC API then gives, and what the console shows.

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use lianban_tests::credentials::bearer;

use crate::on_every_backend;
use crate::support::{Centre, SUPERVISOR, branch, row, sent_without_refusal, shown_date};

on_every_backend!(a_supervisor_approves_an_extension_in_the_console);

async fn a_supervisor_approves_an_extension_in_the_console(backend: Backend) {
    // Monday 2 March 2026: registration (one working day) is due Tuesday 3 March.
    let centre = Centre::open(backend, "2026-03-02 09:00").await;
    let application = centre.submit_company("", "福州榕城茶业有限公司").await;
    let registration = branch(&application, "scjg-qiye-sheli").id.clone();
    let asked = pb::RequestExtensionRequest {
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        branch_id: registration.clone(),
        department_code: "scjg".into(),
        clerk_id: "scjg-01".into(),
        days: 5,
        reason: "股东为境外机构，需核验主体资格".into(),
    };
    pb::task_service_client::TaskServiceClient::new(centre.channel().await)
        .request_extension(bearer(asked, &centre.clerk_token("scjg-01", "scjg")))
        .await
        .expect("the department asks for five more working days");
    let before = centre.application(&application.id).await;
    let due = |application: &pb::Application| {
        let deadline = branch(application, "scjg-qiye-sheli").deadline.as_ref();
        shown_date(deadline.and_then(|d| d.at.as_ref()))
    };
    assert_eq!(due(&before), "2026-03-03");

    centre
        .sign_in(centre.provider.claims(SUPERVISOR.0, SUPERVISOR.1))
        .await;
    centre.open_page("/supervision").await;
    let form = format!("form[data-extension=\"{registration}/1\"]");
    centre.browser.wait_for(&form).await;
    centre
        .browser
        .screenshot_for_docs("supervisor-desk.png")
        .await;
    centre
        .browser
        .wait_for(&format!("{form} textarea[name=note]"))
        .await
        .send_keys("同意延期")
        .await
        .expect("type the note");
    centre
        .browser
        .wait_for(&format!("{form} button[name=decision][value=approve]"))
        .await
        .click()
        .await
        .expect("approve");
    sent_without_refusal(&centre.browser, &form).await;

    // Over gRPC: approved by this supervisor, five working days later.
    let after = centre.application(&application.id).await;
    let extension = branch(&after, "scjg-qiye-sheli")
        .extensions
        .first()
        .cloned()
        .expect("the extension");
    assert!(extension.decided && extension.approved, "{extension:?}");
    assert_eq!(extension.supervisor_id, SUPERVISOR.0);
    assert_eq!(due(&after), "2026-03-10");
    // And in the console.
    centre
        .open_page(&format!("/applications/{}", application.id))
        .await;
    let shown = row(&centre.browser, &registration).await;
    assert_eq!(shown.compared().3, "2026-03-10");
    // The form and the materials under the catalogue's names, not their keys.
    let facts = centre.browser.text("main").await;
    for name in ["企业名称", "法定代表人", "公司章程"] {
        assert!(facts.contains(name), "{name} is not on the page: {facts}");
    }
    centre.close().await;
}
