//! The harness's own checks, which need no console: the accessibility check catches a missing
//! label and poor contrast and passes a sound page, and the fake provider hands out a token only
//! for a code it issued, once, with the PKCE verifier of its challenge.

use lianban_tests::accessibility::{self, Violation};
use lianban_tests::browser::Browser;
use lianban_tests::http;
use lianban_tests::oidc::{CLIENT_ID, Provider, s256};

/// `html` as a `data:` URL the browser can open.
fn page(html: &str) -> String {
    let encoded: String = html
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect();
    format!("data:text/html;charset=utf-8,{encoded}")
}

fn ids(violations: &[Violation]) -> Vec<&str> {
    violations.iter().map(|v| v.id.as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accessibility_check_finds_a_missing_label_and_poor_contrast() {
    let browser = Browser::start().await;
    browser
        .open(&page(
            "<!doctype html><html lang=\"zh-CN\"><head><title>办件查询</title></head><body>\
             <main><h1>办件查询</h1><input type=\"text\" name=\"number\">\
             <p style=\"color: rgb(200,200,200); background: white\">受理编号</p></main>\
             </body></html>",
        ))
        .await;
    let found = accessibility::violations(&browser).await;
    let found = ids(&found);
    assert!(found.contains(&"label"), "{found:?}");
    assert!(found.contains(&"color-contrast"), "{found:?}");
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_labelled_page_with_enough_contrast_passes_the_check() {
    let browser = Browser::start().await;
    browser
        .open(&page(
            "<!doctype html><html lang=\"zh-CN\"><head><title>办件查询</title></head><body>\
             <main><h1>办件查询</h1><label for=\"n\">受理编号</label>\
             <input id=\"n\" type=\"text\" name=\"number\">\
             <p style=\"color: rgb(30,30,30); background: white\">剩余工作日</p></main>\
             </body></html>",
        ))
        .await;
    accessibility::assert_accessible(&browser, "a sound page").await;
    assert_eq!(browser.text("main h1").await, "办件查询");
    browser.close().await;
}

/// Asks the provider for a code as the console would, answering the code.
async fn code_for(provider: &Provider, redirect: &str, verifier: &str) -> String {
    let authorize = url::Url::parse_with_params(
        &provider.authorization_endpoint(),
        [
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", redirect),
            ("state", "s-1"),
            ("code_challenge", &s256(verifier)),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let answer = http::get(authorize.as_str()).await.unwrap();
    assert_eq!(answer.status, 302, "{answer:?}");
    let back = url::Url::parse(answer.header("location").unwrap()).unwrap();
    assert!(back.as_str().starts_with(redirect), "{back}");
    let query: std::collections::HashMap<_, _> = back.query_pairs().into_owned().collect();
    assert_eq!(query["state"], "s-1");
    query["code"].clone()
}

async fn exchange(provider: &Provider, code: &str, redirect: &str, verifier: &str) -> http::Answer {
    http::post_form(
        &provider.token_endpoint(),
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier),
        ],
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_provider_hands_a_token_only_for_its_code_and_the_right_verifier() {
    let provider = Provider::start().await;
    let redirect = "http://127.0.0.1:9/signin/callback";
    let verifier = "a-verifier-of-at-least-forty-three-characters-0123456789";
    let refused = http::get(&provider.authorization_endpoint()).await.unwrap();
    assert_eq!(refused.status, 400, "nothing asked for");
    provider.sign_in_as(provider.claims("bangban-01", &["facilitator"]));

    let code = code_for(&provider, redirect, verifier).await;
    let wrong = exchange(&provider, &code, redirect, "another-verifier").await;
    assert_eq!(
        (wrong.status, wrong.json()["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let spent = exchange(&provider, &code, redirect, verifier).await;
    assert_eq!(spent.status, 400, "a code is good for one exchange");

    let code = code_for(&provider, redirect, verifier).await;
    let elsewhere = exchange(&provider, &code, "http://127.0.0.1:9/other", verifier).await;
    assert_eq!(elsewhere.status, 400, "the redirect URI must match");

    let code = code_for(&provider, redirect, verifier).await;
    let granted = exchange(&provider, &code, redirect, verifier).await;
    assert_eq!(granted.status, 200, "{granted:?}");
    let body = granted.json();
    assert_eq!(
        (body["token_type"].as_str(), body["expires_in"].as_u64()),
        (Some("Bearer"), Some(3600))
    );
    let token = body["access_token"].as_str().unwrap();
    let key = &provider.credentials().jwks()["keys"][0];
    let decoding = jsonwebtoken::DecodingKey::from_ec_components(
        key["x"].as_str().unwrap(),
        key["y"].as_str().unwrap(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[lianban_tests::credentials::AUDIENCE]);
    validation.set_issuer(&[lianban_tests::credentials::ISSUER]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(token, &decoding, &validation)
        .expect("signed by the provider's key")
        .claims;
    assert_eq!(claims["sub"], "bangban-01");
    assert_eq!(
        provider.authorizations().len(),
        4,
        "every request is recorded"
    );
    assert_eq!(provider.exchanges().len(), 4);
}
