//! 项目看板: a facilitator signs in through the centre's provider and sees each branch of their
//! project's application with the colour, state, deadline and remaining working days the gRPC
//! API gives, exact through Spring Festival; and a change made over gRPC reaches the open board
//! without a reload.

use lianban_tests::Backend;
use lianban_tests::oidc::s256;

use crate::on_every_backend;
use crate::support::{Centre, branch, expected_row, row};

on_every_backend!(
    a_facilitator_sees_the_board_of_a_project_through_spring_festival,
    a_change_made_over_grpc_reaches_the_open_board_without_a_reload,
);

const PROJECT: &str = "ZD-2026-001";
const FACILITATOR: &str = "bangban-01";

/// A centre on a manual clock at `start` with the key project and one 开办企业 application of it.
async fn centre_with_project(backend: Backend, start: &str) -> (Centre, String) {
    let centre = Centre::open(backend, start).await;
    centre
        .register_project(
            PROJECT,
            "榕城智能制造产业园",
            "榕城实业有限公司",
            FACILITATOR,
        )
        .await;
    let application = centre.submit_company(PROJECT, "福州榕城茶业有限公司").await;
    (centre, application.id)
}

async fn a_facilitator_sees_the_board_of_a_project_through_spring_festival(backend: Backend) {
    // Friday 13 February 2026, the last ordinary working day before the festival; registration
    // is approved on the make-up Saturday, and the board is read on the festival's Wednesday.
    let (centre, id) = centre_with_project(backend, "2026-02-13 16:00").await;
    centre.set_time("2026-02-14 10:00").await;
    let accepted = centre.application(&id).await;
    centre.approve(&accepted, "scjg-qiye-sheli").await;
    centre.set_time("2026-02-18 12:00").await;

    let facilitator = centre.provider.claims(FACILITATOR, &["facilitator"]);
    centre.sign_in(facilitator).await;
    assert!(
        centre.browser.text("#whoami").await.contains(FACILITATOR),
        "the header names who signed in"
    );
    // The sign-in used the authorization code flow with PKCE S256.
    let asked = centre.provider.authorizations();
    let exchanged = centre.provider.exchanges();
    assert_eq!((asked.len(), exchanged.len()), (1, 1));
    assert_eq!(asked[0]["code_challenge_method"], "S256");
    assert_eq!(
        s256(&exchanged[0]["code_verifier"]),
        asked[0]["code_challenge"]
    );

    centre.open_page("/projects").await;
    let link = format!("a[data-project=\"{PROJECT}\"]");
    centre
        .browser
        .wait_for(&link)
        .await
        .click()
        .await
        .expect("open the board");
    centre
        .browser
        .wait_for(&format!("section[data-application=\"{id}\"]"))
        .await;
    assert_eq!(centre.browser.text("#today").await, "2026-02-18");

    // Every branch as the gRPC API gives it to an auditor, and no other.
    let read = centre.application(&id).await;
    let rows = centre
        .browser
        .all(&format!("section[data-application=\"{id}\"] [data-branch]"))
        .await;
    assert_eq!(rows.len(), read.branches.len(), "one row per branch");
    for branch in &read.branches {
        let shown = row(&centre.browser, &branch.id).await;
        assert_eq!(
            shown.compared(),
            expected_row(branch),
            "{}",
            branch.matter_code
        );
    }
    // And by hand, from the 2026 calendar: the seal started on Saturday 14 February with one
    // working day, which is Tuesday 24 February after the nine closed days: one left, yellow.
    let seal = row(&centre.browser, &branch(&read, "gaj-yinzhang-beian").id).await;
    let seal_expected = ("yellow", "OPEN", "1", "2026-02-24");
    let seal_shown = seal.compared();
    assert_eq!(
        (
            seal_shown.0.as_str(),
            seal_shown.1.as_str(),
            seal_shown.2.as_str(),
            seal_shown.3.as_str()
        ),
        seal_expected
    );
    assert!(seal.waiting.contains("gaj"), "{seal:?}");
    // Social insurance was due the same Saturday at 17:30: overdue, red, nothing left.
    let insurance = row(&centre.browser, &branch(&read, "rsj-canbao-dengji").id).await;
    let insurance = insurance.compared();
    assert_eq!(
        (
            insurance.0.as_str(),
            insurance.2.as_str(),
            insurance.3.as_str()
        ),
        ("red", "0", "2026-02-14")
    );
    let registration = row(&centre.browser, &branch(&read, "scjg-qiye-sheli").id).await;
    assert_eq!(registration.state, "APPROVED");

    centre
        .browser
        .screenshot_for_docs("project-board.png")
        .await;
    centre.close().await;
}

async fn a_change_made_over_grpc_reaches_the_open_board_without_a_reload(backend: Backend) {
    let (centre, id) = centre_with_project(backend, "2026-03-02 09:00").await;
    let accepted = centre.application(&id).await;
    let registration = branch(&accepted, "scjg-qiye-sheli").id.clone();
    let seal = branch(&accepted, "gaj-yinzhang-beian").id.clone();
    centre
        .sign_in(centre.provider.claims(FACILITATOR, &["facilitator"]))
        .await;
    centre.open_page(&format!("/projects/{PROJECT}")).await;
    centre
        .browser
        .wait_for_attribute(
            &format!("[data-branch=\"{registration}\"]"),
            "data-state",
            "OPEN",
        )
        .await;
    centre.browser.wait_for("body[data-live=\"open\"]").await;
    // A mark on this page: a reload would lose it.
    centre
        .browser
        .execute("window.lianbanSamePage = true; return true;", vec![])
        .await;

    centre.approve(&accepted, "scjg-qiye-sheli").await;
    centre
        .browser
        .wait_for_attribute(
            &format!("[data-branch=\"{registration}\"]"),
            "data-state",
            "APPROVED",
        )
        .await;
    // Registration approved: the seal now waits for its own department, as over gRPC.
    let read = centre.application(&id).await;
    let seal_read = branch(&read, "gaj-yinzhang-beian");
    let expected = expected_row(seal_read);
    centre
        .browser
        .wait_for_attribute(
            &format!("[data-branch=\"{seal}\"]"),
            "data-state",
            &expected.1,
        )
        .await;
    assert_eq!(row(&centre.browser, &seal).await.compared(), expected);
    let same_page = centre
        .browser
        .execute("return window.lianbanSamePage === true;", vec![])
        .await;
    assert_eq!(
        same_page,
        serde_json::json!(true),
        "the board was not reloaded"
    );
    centre.close().await;
}
