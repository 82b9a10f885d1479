//! Scope in the console is the gRPC API's: a facilitator who opens another facilitator's project
//! (its board, its live feed, one of its applications) gets the refusal page, and nothing of that
//! project (name, investor, applications, branches) reaches the browser.

use lianban_tests::Backend;

use crate::on_every_backend;
use crate::support::Centre;

on_every_backend!(a_facilitator_gets_nothing_of_another_facilitators_project);

async fn a_facilitator_gets_nothing_of_another_facilitators_project(backend: Backend) {
    let centre = Centre::open(backend, "2026-03-02 09:00").await;
    centre
        .register_project(
            "ZD-2026-001",
            "榕城智能制造产业园",
            "榕城实业有限公司",
            "bangban-01",
        )
        .await;
    centre
        .register_project(
            "ZD-2026-002",
            "闽江新材料产业园",
            "闽江新材料股份有限公司",
            "bangban-02",
        )
        .await;
    centre
        .submit_company("ZD-2026-001", "福州榕城茶业有限公司")
        .await;
    let theirs = centre
        .submit_company("ZD-2026-002", "福州闽江新材料有限公司")
        .await;
    let mut secrets = vec![
        "闽江新材料产业园".to_owned(),
        "闽江新材料股份有限公司".to_owned(),
        "福州闽江新材料有限公司".to_owned(),
    ];
    secrets.extend(theirs.branches.iter().map(|b| b.id.clone()));

    centre
        .sign_in(centre.provider.claims("bangban-01", &["facilitator"]))
        .await;
    centre.open_page("/projects").await;
    centre
        .browser
        .wait_for("a[data-project=\"ZD-2026-001\"]")
        .await;
    assert!(
        centre
            .browser
            .all("a[data-project=\"ZD-2026-002\"]")
            .await
            .is_empty(),
        "another facilitator's project is not listed"
    );

    for path in [
        "/projects/ZD-2026-002".to_owned(),
        "/projects/ZD-2026-002/events".to_owned(),
        format!("/applications/{}", theirs.id),
    ] {
        centre.open_page(&path).await;
        let refusal = centre.browser.wait_for("main[data-refusal]").await;
        let reason = refusal.attr("data-refusal").await.expect("the reason");
        assert_eq!(reason.as_deref(), Some("OUT_OF_SCOPE"), "{path}");
        assert_eq!(centre.browser.status().await, 403, "{path}");
        let source = centre.browser.source().await;
        if path.starts_with("/projects") {
            assert!(!source.contains(&theirs.id), "{path} names an application");
        }
        for secret in &secrets {
            assert!(
                !source.contains(secret.as_str()),
                "{path} shows {secret}:\n{source}"
            );
        }
    }
    centre.close().await;
}
