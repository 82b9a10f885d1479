//! Every view people work in meets WCAG 2 A and AA as far as axe-core can tell (labels, contrast
//! of the colour badges, names of the time lines, …), checked with data on it: the sign-in page,
//! the project board, the supervisor desk with a pending extension, the department queue with an
//! open branch, an application's page, the statistics and the wall screen. The pages do not
//! depend on the backend: SQLite only.

use lianban_proto::v1 as pb;
use lianban_tests::Backend;
use lianban_tests::accessibility::assert_accessible;
use lianban_tests::credentials::bearer;

use crate::support::{Centre, SUPERVISOR, branch};

/// A centre with a key project followed by `bangban-01` and one application of it; registration
/// has been approved, so the board shows branches in several states and colours.
async fn centre_with_work() -> (Centre, pb::Application) {
    let centre = Centre::open(Backend::Sqlite, "2026-03-02 09:00").await;
    centre
        .register_project(
            "ZD-2026-001",
            "榕城智能制造产业园",
            "榕城实业有限公司",
            "bangban-01",
        )
        .await;
    let application = centre
        .submit_company("ZD-2026-001", "福州榕城茶业有限公司")
        .await;
    (centre, application)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_and_the_project_board_meet_wcag_2_aa() {
    let (centre, application) = centre_with_work().await;
    centre.approve(&application, "scjg-qiye-sheli").await;
    centre.set_time("2026-03-04 16:00").await;
    centre.open_page("/signin").await;
    centre.browser.wait_for("a#signin-oidc").await;
    assert_accessible(&centre.browser, "the sign-in page").await;

    centre
        .sign_in(centre.provider.claims("bangban-01", &["facilitator"]))
        .await;
    centre.open_page("/projects/ZD-2026-001").await;
    centre
        .browser
        .wait_for(&format!("section[data-application=\"{}\"]", application.id))
        .await;
    assert_accessible(&centre.browser, "the project board").await;
    centre.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_desk_the_application_page_the_statistics_and_the_wall_meet_wcag_2_aa() {
    let (centre, application) = centre_with_work().await;
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
        .expect("the department asks for more time");

    centre
        .sign_in(centre.provider.claims(SUPERVISOR.0, SUPERVISOR.1))
        .await;
    centre.open_page("/supervision").await;
    centre
        .browser
        .wait_for(&format!("form[data-extension=\"{registration}/1\"]"))
        .await;
    assert_accessible(&centre.browser, "the supervisor desk").await;

    centre
        .open_page(&format!("/applications/{}", application.id))
        .await;
    centre
        .browser
        .wait_for(&format!("[data-branch=\"{registration}\"]"))
        .await;
    assert_accessible(&centre.browser, "the application page").await;

    // The statistics of the month (its charts and their tables) and the wall screen.
    centre
        .open_page("/statistics?from=2026-03-01&to=2026-03-31")
        .await;
    centre.browser.wait_for("main h1").await;
    assert_accessible(&centre.browser, "the statistics").await;
    centre.open_page("/wall").await;
    centre.browser.wait_for("main[data-refresh-seconds]").await;
    assert_accessible(&centre.browser, "the wall screen").await;
    centre.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_department_queue_meets_wcag_2_aa() {
    let (centre, application) = centre_with_work().await;
    let registration = branch(&application, "scjg-qiye-sheli").id.clone();
    centre.sign_in(centre.clerk("scjg-01", "scjg")).await;
    centre.open_page("/queue").await;
    centre
        .browser
        .wait_for(&format!("form[data-decide=\"{registration}\"]"))
        .await;
    assert_accessible(&centre.browser, "the department queue").await;
    centre.close().await;
}
