//! Signing in: a token the provider hands out for another issuer proves nobody here, so the
//! console answers with its refusal page (HTTP 401) and opens no session.

use lianban_tests::Backend;
use serde_json::json;

use crate::on_every_backend;
use crate::support::Centre;

on_every_backend!(a_token_from_the_wrong_issuer_opens_no_session);

async fn a_token_from_the_wrong_issuer_opens_no_session(backend: Backend) {
    let centre = Centre::open(backend, "2026-03-02 09:00").await;
    let mut claims = centre.provider.claims("bangban-01", &["facilitator"]);
    claims["iss"] = json!("https://evil.test");
    centre.provider.sign_in_as(claims);
    centre.open_page("/signin").await;
    centre
        .browser
        .wait_for("a#signin-oidc")
        .await
        .click()
        .await
        .expect("click");
    centre
        .browser
        .wait_for("main[data-refusal=\"UNAUTHENTICATED\"]")
        .await;
    assert_eq!(
        centre.browser.current_url().await.path(),
        "/signin/callback"
    );
    assert_eq!(centre.browser.status().await, 401);
    assert!(centre.browser.all("#whoami").await.is_empty());
    // The provider did hand the token out: the console refused it.
    let exchanged = centre.provider.exchanges();
    assert_eq!(exchanged.len(), 1, "the code was exchanged");

    centre.open_page("/projects").await;
    centre.browser.wait_for("a#signin-oidc").await;
    assert_eq!(
        centre.browser.current_url().await.path(),
        "/signin",
        "no session: a page sends the browser to sign in"
    );
    centre.close().await;
}

/// On an open loopback server (authentication off, no provider) the console offers the
/// development sign-in: a person picks a role, a name and the projects they follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_loopback_server_offers_the_development_sign_in() {
    let database = lianban_tests::TestDatabase::create(Backend::Sqlite).await;
    let server = lianban_tests::TestServer::start(&database.url).await;
    let mut projects = server.projects().await;
    projects
        .register_project(lianban_proto::v1::RegisterProjectRequest {
            project: Some(lianban_proto::v1::Project {
                code: "ZD-2026-001".into(),
                name: "榕城智能制造产业园".into(),
                investor: "榕城实业有限公司".into(),
                investment_wan: 120_000,
                facilitator: "bangban-01".into(),
                registered_at: None,
            }),
        })
        .await
        .expect("the project is registered");
    let console = server.console.expect("a console");
    let browser = lianban_tests::browser::Browser::start().await;
    browser.open(&format!("http://{console}/signin")).await;
    browser.wait_for("form#dev-signin").await;
    assert!(browser.all("a#signin-oidc").await.is_empty());
    lianban_tests::accessibility::assert_accessible(&browser, "the development sign-in").await;
    browser
        .wait_for("select[name=role]")
        .await
        .select_by_value("facilitator")
        .await
        .expect("pick the role");
    let name = browser.wait_for("input[name=name]").await;
    name.send_keys("bangban-01").await.expect("type the name");
    browser
        .wait_for("input[name=projects]")
        .await
        .send_keys("ZD-2026-001")
        .await
        .expect("type the project");
    browser
        .wait_for("form#dev-signin button[type=submit]")
        .await
        .click()
        .await
        .expect("sign in");
    assert!(browser.text("#whoami").await.contains("bangban-01"));
    browser.open(&format!("http://{console}/projects")).await;
    browser.wait_for("a[data-project=\"ZD-2026-001\"]").await;
    browser.close().await;
    server.stop().await;
}
