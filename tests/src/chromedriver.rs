//! The chromedriver a browser test drives Chromium through: started on a port it picks itself
//! (`--port=0`, read back from what it prints, so two tests never race for a port), ready once
//! its `/status` says so, and killed with the test. Debian's `chromium` and `chromium-driver`
//! provide both programs (`.ci/run` installs them). Both write their temporary files (Chromium's
//! profile, and its shared memory, which `--disable-dev-shm-usage` puts in the temporary folder)
//! into a folder of the driver's own that goes with it: left in `/tmp`, a run of the browser
//! tests left hundreds of them behind.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, ChildStdout, Command};

/// The Chromium the driver starts.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// How long chromedriver may take to start and say it is ready.
const START_LIMIT: Duration = Duration::from_secs(30);

/// A running chromedriver, killed when dropped, and its temporary folder removed.
pub struct Chromedriver {
    /// Where it listens: `http://127.0.0.1:<port>`.
    pub url: String,
    // Declared before the folder: the driver is killed before its folder goes.
    _child: Child,
    _temporary: tempfile::TempDir,
}

impl Chromedriver {
    /// Starts chromedriver on a port of its choosing and waits until it is ready.
    pub async fn start() -> Chromedriver {
        let program = installed();
        let temporary = tempfile::tempdir().expect("a temporary folder for chromedriver");
        let mut child = Command::new(&program)
            .arg("--port=0")
            .env("TMPDIR", temporary.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", program.display()));
        let stdout = child.stdout.take().expect("chromedriver's output");
        let port = tokio::time::timeout(START_LIMIT, announced_port(stdout))
            .await
            .expect("chromedriver names its port in time");
        let url = format!("http://127.0.0.1:{port}");
        wait_until_ready(&url).await;
        Chromedriver {
            url,
            _child: child,
            _temporary: temporary,
        }
    }
}

/// chromedriver's path, after checking that it and Chromium are installed.
fn installed() -> PathBuf {
    let driver = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|folder| folder.join("chromedriver"))
            .find(|candidate| candidate.is_file())
    });
    match driver {
        Some(driver) if Path::new(CHROMIUM).is_file() => driver,
        _ => panic!(
            "the browser tests need {CHROMIUM} and chromedriver on PATH: install chromium and \
             chromium-driver (apt-get install chromium chromium-driver fonts-noto-cjk)"
        ),
    }
}

/// Reads chromedriver's output until it says which port it took; its later lines are drained so
/// that it never blocks on a full pipe.
async fn announced_port(stdout: ChildStdout) -> u16 {
    let mut lines = BufReader::new(stdout).lines();
    while let Some(line) = lines.next_line().await.expect("chromedriver's output") {
        if let Some(port) = port_in(&line) {
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return port;
        }
    }
    panic!("chromedriver ended without naming its port");
}

/// The port in "ChromeDriver was started successfully on port 45779."
fn port_in(line: &str) -> Option<u16> {
    let (_, rest) = line.split_once("started successfully on port ")?;
    rest.trim_end_matches('.').trim().parse().ok()
}

/// Polls `/status` until chromedriver says it is ready to open sessions.
async fn wait_until_ready(url: &str) {
    let status = format!("{url}/status");
    let deadline = tokio::time::Instant::now() + START_LIMIT;
    loop {
        let answer = crate::http::get(&status).await;
        if let Ok(answer) = &answer
            && answer.status == 200
            && answer.json()["value"]["ready"] == true
        {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "chromedriver at {url} is not ready: {answer:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_port_is_read_from_the_announcement() {
        let line = "ChromeDriver was started successfully on port 45779.";
        assert_eq!(super::port_in(line), Some(45779));
        assert_eq!(super::port_in("Starting ChromeDriver 148 on port 0"), None);
    }
}
