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
