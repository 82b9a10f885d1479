//! A headless Chromium for one test, driven over WebDriver (fantoccini) through its own
//! chromedriver: pages are opened, elements found by the attributes the console promises
//! (`data-branch`, `data-refusal`, …) and waited for with a bounded poll of the DOM, never a
//! fixed sleep. The session is ended and the driver killed when the browser is dropped, so a
//! failing test leaves no Chromium behind.

use std::io::{Read as _, Write as _};
use std::path::Path;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::chromedriver::{CHROMIUM, Chromedriver};

/// How long a wait for the page may last.
pub const WAIT_LIMIT: Duration = Duration::from_secs(10);

/// How often a wait looks at the page again.
const POLL_STEP: Duration = Duration::from_millis(50);

/// How many Chromiums the tests of one process run at once (the machine has few cores, and a
/// starved browser only makes waits time out).
static RUNNING: Semaphore = Semaphore::const_new(2);

/// A headless Chromium session.
pub struct Browser {
    client: Client,
    session: Option<String>,
    driver: Chromedriver,
    _turn: SemaphorePermit<'static>,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (zh-CN, 1366×900).
    pub async fn start() -> Browser {
        let turn = RUNNING.acquire().await.expect("the browser queue is open");
        let driver = Chromedriver::start().await;
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities())
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("a Chromium session through {}: {e}", driver.url));
        let session = client.session_id().await.expect("the session's id");
        Browser {
            client,
            session,
            driver,
            _turn: turn,
        }
    }

    /// The WebDriver client, for what the helpers here do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The address the browser shows now.
    pub async fn current_url(&self) -> url::Url {
        self.client.current_url().await.expect("the current URL")
    }

    /// The HTTP status of the page the browser shows (its navigation's response status).
    pub async fn status(&self) -> u16 {
        let script = "const n = performance.getEntriesByType('navigation')[0]; \
                      return n ? n.responseStatus : 0;";
        let status = self.execute(script, vec![]).await;
        let status = status.as_u64().expect("a status number");
        u16::try_from(status).expect("an HTTP status")
    }

    /// The page's HTML as the browser holds it now.
    pub async fn source(&self) -> String {
        self.client.source().await.expect("the page source")
    }

    /// Runs `script` in the page and answers what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Every element matching `css` now (none is not an error).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
    }

    /// The element matching `css`, once there is one (at most [`WAIT_LIMIT`]).
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_until(&format!("an element {css}"), async || {
            self.all(css).await.into_iter().next()
        })
        .await
    }

    /// The element matching `css`, once its attribute `name` is `value`.
    pub async fn wait_for_attribute(&self, css: &str, name: &str, value: &str) -> Element {
        let what = format!("{css} with {name}={value:?}");
        self.wait_until(&what, async || {
            let element = self.all(css).await.into_iter().next()?;
            let now = element.attr(name).await.ok()??;
            (now == value).then_some(element)
        })
        .await
    }

    /// Polls `check` every 50 ms until it answers something; fails after [`WAIT_LIMIT`] naming
    /// `what` and the page it was waiting on.
    pub async fn wait_until<T>(&self, what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        loop {
            if let Some(found) = check().await {
                return found;
            }
            if tokio::time::Instant::now() >= deadline {
                let url = self.current_url().await;
                let source = self.source().await;
                panic!("waited {WAIT_LIMIT:?} for {what} on {url}; the page is:\n{source}");
            }
            tokio::time::sleep(POLL_STEP).await;
        }
    }

    /// The text of the element matching `css` (waited for). A live page may replace the
    /// element between finding and reading it; then it is found again.
    pub async fn text(&self, css: &str) -> String {
        self.wait_until(&format!("the text of {css}"), async || {
            let element = self.all(css).await.into_iter().next()?;
            element.text().await.ok()
        })
        .await
    }

    /// The attribute `name` of the element matching `css` (waited for, found again when a live
    /// page replaced it).
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        self.wait_until(&format!("the attribute {name} of {css}"), async || {
            let element = self.all(css).await.into_iter().next()?;
            element.attr(name).await.ok()
        })
        .await
    }

    /// Saves what the window shows as a PNG at `path`.
    pub async fn screenshot(&self, path: &Path) {
        let png = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(path, png).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }

    /// Saves a screenshot called `name` into the folder `LIANBAN_SCREENSHOTS` names, when set
    /// (the README's pictures of the console are made this way).
    pub async fn screenshot_for_docs(&self, name: &str) {
        if let Some(folder) = std::env::var_os("LIANBAN_SCREENSHOTS") {
            let folder = Path::new(&folder);
            std::fs::create_dir_all(folder).expect("the screenshots' folder");
            self.screenshot(&folder.join(name)).await;
        }
    }

    /// Ends the session (Chromium quits) and stops the driver.
    pub async fn close(mut self) {
        self.session = None;
        self.client.clone().close().await.expect("the session ends");
    }
}

impl Drop for Browser {
    /// A test that panicked still ends its session, so that Chromium does not outlive it: a plain
    /// blocking DELETE to the driver, which then quits the browser.
    fn drop(&mut self) {
        if let Some(session) = self.session.take() {
            end_session(&self.driver.url, &session);
        }
    }
}

/// What chromedriver is asked for: headless Chromium in Chinese at a laptop's size.
fn capabilities() -> serde_json::Map<String, Value> {
    let capabilities = json!({
        "browserName": "chrome",
        "pageLoadStrategy": "normal",
        "timeouts": {"pageLoad": 30_000, "script": 30_000, "implicit": 0},
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1366,900",
                "--lang=zh-CN",
            ],
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
        },
    });
    match capabilities {
        Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

/// `DELETE /session/<id>` on the driver at `url`, without a runtime.
fn end_session(url: &str, session: &str) {
    let Some(address) = url.strip_prefix("http://") else {
        return;
    };
    let Ok(mut stream) = std::net::TcpStream::connect(address) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read_to_end(&mut Vec::new());
    }
}
