//! A small Chrome DevTools Protocol client: real headless Chromium, one page, driven over its
//! WebSocket — real mouse clicks and typing, JavaScript to read the DOM, PNG screenshots.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a wait for the page may take before the test fails (not a timing assertion: the
/// condition is what is checked; this only bounds a hang).
const WAIT_LIMIT: Duration = Duration::from_secs(90);

/// Where Debian's `chromium` package puts the browser; `FIREBREAK_TEST_CHROMIUM` overrides.
fn chromium_path() -> Option<PathBuf> {
    let named = std::env::var_os("FIREBREAK_TEST_CHROMIUM").map(PathBuf::from);
    named.into_iter().chain([PathBuf::from("/usr/bin/chromium"), PathBuf::from("/usr/bin/chromium-browser")]).find(|p| p.exists())
}

/// Headless Chromium with one page open, closed (and its profile removed) on drop.
#[derive(Debug)]
pub struct Browser {
    child: Child,
    profile: PathBuf,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// Starts Chromium and opens `url`; `None` (with a notice) when Chromium is not installed,
    /// which fails instead under `CI=true`.
    pub async fn open(url: &str) -> Option<Browser> {
        let Some(path) = chromium_path() else {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "chromium is required in CI (apt-get install chromium; scripts/test.sh does)");
            eprintln!("chromium not installed; skipping the browser test");
            return None;
        };
        let profile = std::env::temp_dir().join(format!("firebreak-chromium-{}", uuid::Uuid::new_v4().simple()));
        let mut child = Command::new(path)
            .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--window-size=1280,1000"])
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start chromium: {e}"));
        let endpoint = devtools_endpoint(&mut child);
        let (socket, _) = tokio_tungstenite::connect_async(endpoint.as_str()).await.unwrap_or_else(|e| panic!("DevTools WebSocket {endpoint}: {e}"));
        let mut browser = Browser { child, profile, socket, session: String::new(), next_id: 0 };
        let target = browser.call_browser("Target.createTarget", json!({ "url": url })).await;
        let target = target["targetId"].as_str().unwrap_or_default().to_owned();
        let attached = browser.call_browser("Target.attachToTarget", json!({ "targetId": target, "flatten": true })).await;
        browser.session = attached["sessionId"].as_str().unwrap_or_default().to_owned();
        browser.call("Page.enable", json!({})).await;
        // The new target starts on about:blank (already "complete"): wait for `url` itself.
        browser.wait_for("the page to load", &format!("location.href.startsWith({url:?}) && document.readyState === 'complete'")).await;
        Some(browser)
    }

    async fn send(&mut self, method: &str, params: Value, session: Option<String>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut request = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            request["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(request.to_string())).await.unwrap_or_else(|e| panic!("{method}: {e}"));
        loop {
            let frame = tokio::time::timeout(WAIT_LIMIT, self.socket.next()).await.unwrap_or_else(|_| panic!("{method}: no answer from Chromium"));
            let Some(Ok(Message::Text(text))) = frame else {
                if matches!(frame, Some(Ok(_))) {
                    continue;
                }
                panic!("{method}: the DevTools connection ended: {frame:?}");
            };
            let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            // Events (no id) and answers to other calls are not this call's answer.
            if answer["id"].as_u64() != Some(id) {
                continue;
            }
            assert!(answer["error"].is_null(), "{method} failed: {}", answer["error"]);
            return answer["result"].clone();
        }
    }

    async fn call_browser(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None).await
    }

    /// A DevTools call on the page.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(method, params, Some(session)).await
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value.
    pub async fn eval(&mut self, expression: &str) -> Value {
        let result = self.call("Runtime.evaluate", json!({ "expression": expression, "returnByValue": true, "awaitPromise": true })).await;
        assert!(result["exceptionDetails"].is_null(), "script failed: {expression}\n{}", result["exceptionDetails"]);
        result["result"]["value"].clone()
    }

    /// Waits until `predicate` (a JavaScript expression) is true in the page.
    pub async fn wait_for(&mut self, what: &str, predicate: &str) {
        let started = std::time::Instant::now();
        while self.eval(&format!("Boolean({predicate})")).await != json!(true) {
            if started.elapsed() > WAIT_LIMIT {
                let text = self.eval("document.body ? document.body.innerText : ''").await;
                panic!("waited in vain for {what} ({predicate}); the page shows:\n{}", text.as_str().unwrap_or_default());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Clicks, with the mouse, the centre of the element `element` (a JavaScript expression).
    pub async fn click(&mut self, element: &str) {
        let expression = format!("(() => {{ const e = {element}; if (!e) return null; e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()");
        let at = self.eval(&expression).await;
        let (Some(x), Some(y)) = (at[0].as_f64(), at[1].as_f64()) else { panic!("nothing to click: {element}") };
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call("Input.dispatchMouseEvent", json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 })).await;
        }
    }

    /// Types `text` into the focused element and presses Enter.
    pub async fn type_and_enter(&mut self, text: &str) {
        self.call("Input.insertText", json!({ "text": text })).await;
        for kind in ["keyDown", "keyUp"] {
            self.call("Input.dispatchKeyEvent", json!({ "type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r" })).await;
        }
    }

    /// Saves a PNG screenshot of the page to `path`; returns its bytes.
    pub async fn screenshot(&mut self, path: &Path) -> Vec<u8> {
        let shot = self.call("Page.captureScreenshot", json!({ "format": "png" })).await;
        let png = base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().unwrap_or_default()).unwrap_or_else(|e| panic!("screenshot data: {e}"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(path, &png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        png
    }
}

/// Reads Chromium's stderr until it names its DevTools WebSocket; the rest of stderr is
/// drained in the background so the browser never blocks on a full pipe.
fn devtools_endpoint(child: &mut Child) -> String {
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("chromium stderr"));
    let (found, endpoint) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut found = Some(found);
        let mut seen = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.split("DevTools listening on ").nth(1)
                && let Some(found) = found.take()
            {
                let _ = found.send(Ok(url.trim().to_owned()));
            } else if found.is_some() {
                seen.push_str(&line);
                seen.push('\n');
            }
        }
        if let Some(found) = found {
            let _ = found.send(Err(seen));
        }
    });
    match endpoint.recv_timeout(WAIT_LIMIT) {
        Ok(Ok(url)) => url,
        Ok(Err(output)) => panic!("chromium exited without a DevTools endpoint:\n{output}"),
        Err(_) => panic!("chromium did not name its DevTools endpoint"),
    }
}
