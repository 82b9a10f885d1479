//! The accessibility check of a console page: axe-core (vendored in `tests/browser/vendor`, no
//! download at test time) is injected into the page the browser shows and run with the WCAG 2 A
//! and AA rules; a page passes when no rule is violated. The check also makes sure the rules
//! for form labels and colour contrast ran, so that a page cannot pass by being judged on less.

use serde_json::Value;

use crate::browser::Browser;

/// axe-core 4.14.1's `axe.min.js` (MPL-2.0, see `tests/browser/vendor/README.md`).
const AXE: &str = include_str!("../browser/vendor/axe.min.js");

/// The rules that must have run on every checked page.
pub const REQUIRED_RULES: [&str; 2] = ["label", "color-contrast"];

/// Runs axe on the whole document and hands its results to WebDriver's callback.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']},
  resultTypes: ['violations'],
}).then(results => {
  const ids = list => list.map(rule => rule.id);
  done({
    ran: [].concat(ids(results.passes), ids(results.violations),
                   ids(results.incomplete), ids(results.inapplicable)),
    violations: results.violations.map(rule => ({
      id: rule.id,
      impact: rule.impact,
      help: rule.help,
      targets: rule.nodes.map(node => node.target.join(' ')),
    })),
  });
}).catch(error => done({error: String(error)}));
"#;

/// One rule a page breaks, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule's id (`label`, `color-contrast`, …).
    pub id: String,
    /// What the rule asks for.
    pub help: String,
    /// How bad axe judges it.
    pub impact: String,
    /// The CSS selectors of the elements that break it.
    pub targets: Vec<String>,
}

/// The WCAG 2 A/AA violations on the page the browser shows.
pub async fn violations(browser: &Browser) -> Vec<Violation> {
    browser.execute(AXE, vec![]).await;
    let results = browser
        .client()
        .execute_async(RUN_AXE, vec![])
        .await
        .unwrap_or_else(|e| panic!("axe did not run: {e}"));
    if let Some(error) = results.get("error") {
        panic!("axe failed on the page: {error}");
    }
    let ran = strings(&results["ran"]);
    for rule in REQUIRED_RULES {
        assert!(ran.iter().any(|id| id == rule), "axe did not run {rule}");
    }
    results["violations"]
        .as_array()
        .expect("a list of violations")
        .iter()
        .map(|rule| Violation {
            id: text(&rule["id"]),
            help: text(&rule["help"]),
            impact: text(&rule["impact"]),
            targets: strings(&rule["targets"]),
        })
        .collect()
}

/// Fails, listing every violation with its elements, unless the page the browser shows meets
/// WCAG 2 A and AA as far as axe can tell; `page` names it in the failure.
pub async fn assert_accessible(browser: &Browser, page: &str) {
    let found = violations(browser).await;
    if !found.is_empty() {
        let listed: Vec<String> = found
            .iter()
            .map(|v| {
                let targets = v.targets.join(", ");
                format!("- {} ({}): {} at {targets}", v.id, v.impact, v.help)
            })
            .collect();
        panic!(
            "{page} ({}) is not accessible:\n{}",
            browser.current_url().await,
            listed.join("\n")
        );
    }
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| items.iter().map(text).collect())
        .unwrap_or_default()
}
