//! The console in real headless Chromium: a person types `/incident start`, clicks *Run
//! diagnostics*, requests a fix and, as a second person, clicks *Approve* — and the approved
//! `kubectl rollout restart` really reaches the (fake) Kubernetes API. Ends with a screenshot
//! at `target/console-screenshot.png`.

use std::path::PathBuf;

use firebreak_tests::backend::Backend;
use firebreak_tests::cdp::Browser;
use firebreak_tests::fake_kube::{deployment, FakeKube};
use firebreak_tests::spawn_console::{spawn_console, ConsoleSetup};

const CONFIG: &str = r#"
[slack]
broadcast_channel = "C0INCIDENTS"

[severities.sev2]
responders = ["U0TEAMMATE"]

[[runbooks]]
name = "web"
services = ["web"]
severity = "sev2"

[[runbooks.checks]]
name = "web health"
kind = "http"
url = "{base_url}/health/live"

[[runbooks.checks]]
name = "web deployment"
kind = "k8s_deployment"
namespace = "default"
deployment = "web"

[[runbooks.actions]]
name = "restart-web"
kind = "k8s_rollout_restart"
namespace = "default"
deployment = "web"
approvers = ["U0CONSOLE", "U0TEAMMATE"]
"#;

/// A JavaScript expression: the button labelled `label` (the last one on the page).
fn button(label: &str) -> String {
    format!("[...document.querySelectorAll('#messages button[data-action-id]')].filter(b => b.textContent.trim() === {label:?}).pop()")
}

const MESSAGES: &str = "(document.getElementById('messages') || document.body).innerText";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declare_diagnose_and_approve_in_chromium() {
    let kube = FakeKube::start().await;
    kube.add_deployment(deployment("web", 2).build());
    let setup = ConsoleSetup { config: Some(CONFIG.to_owned()), kube_url: Some(kube.url().to_owned()) };
    let Some(app) = spawn_console(Backend::Sqlite, setup).await else { return };
    let Some(mut page) = Browser::open(&format!("{}/console", app.base_url)).await else { return };

    page.click("document.getElementById('text')").await;
    page.type_and_enter("/incident start sev2 web returns 502").await;
    page.wait_for("the confirmation linking the new channel", "document.querySelector('.msg.ephemeral a.channel')").await;
    page.click("document.querySelector('.msg.ephemeral a.channel')").await;
    page.wait_for("the incident channel with its card", &format!("document.querySelector('.channel-head h1').textContent.includes('web-returns-502') && {}", button("Run diagnostics"))).await;
    assert!(page.eval("document.querySelector('.bk-header').textContent").await.as_str().is_some_and(|h| h.contains("#1 web returns 502")));
    assert_eq!(page.eval("document.querySelector('.flag.pinned') !== null").await, true, "the card is pinned");

    // The title names the runbook's service, so diagnostics ran once at the start; the click
    // runs them again: two summaries, each with its details in a thread.
    page.click(&button("Run diagnostics")).await;
    let summaries = "[...document.querySelectorAll('.bk-header')].filter(h => h.textContent === 'Diagnostics: web').length === 2 && document.querySelectorAll('details.thread').length === 2";
    page.wait_for("the second diagnostics summary", summaries).await;
    let summary = page.eval(MESSAGES).await;
    assert!(summary.as_str().is_some_and(|t| t.contains("✅ web health — HTTP 200") && t.contains("✅ web deployment — 2/2 available")), "{summary}");

    // Request the fix from the card's Remediate menu, as you.
    page.click(&button("Remediate")).await;
    page.wait_for("the remediation menu", &button("restart-web")).await;
    page.click(&button("restart-web")).await;
    page.wait_for("the approval card", &button("Approve")).await;

    // SEV2: the requester may not approve their own request — the policy says so in the page.
    page.click(&button("Approve")).await;
    page.wait_for("the confirm dialog", "document.getElementById('confirm').open").await;
    page.click("document.querySelector('#confirm .ok')").await;
    page.wait_for("the refusal", &format!("{MESSAGES}.includes('Not approved')")).await;

    // The teammate approves: the restart runs against the Kubernetes API and is verified.
    page.eval("(() => { const s = document.getElementById('persona'); s.value = 'U0TEAMMATE'; s.dispatchEvent(new Event('change')); })()").await;
    page.wait_for("the teammate's view", "document.getElementById('view').dataset.as === 'U0TEAMMATE'").await;
    page.click(&button("Approve")).await;
    page.wait_for("the confirm dialog", "document.getElementById('confirm').open").await;
    assert_eq!(page.eval("document.querySelector('#confirm .ok').textContent").await, "Approve and run");
    page.click("document.querySelector('#confirm .ok')").await;
    page.wait_for("the verified result", &format!("{MESSAGES}.includes('Succeeded') && {MESSAGES}.includes('Verification')")).await;
    let result = page.eval(MESSAGES).await;
    assert!(result.as_str().is_some_and(|t| t.contains("Succeeded — approved by @teammate")), "{result}");
    assert_eq!(page.eval(&format!("{} === undefined", button("Approve"))).await, true, "the approval card was replaced in place");

    let restarted = kube.stored_deployment("default", "web").and_then(|d| d.spec?.template.metadata?.annotations?.get("kubectl.kubernetes.io/restartedAt").cloned());
    assert!(restarted.is_some(), "the approved rollout restart reached the Kubernetes API");

    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/console-screenshot.png");
    let png = page.screenshot(&path).await;
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let (width, height) = (u32::from_be_bytes([png[16], png[17], png[18], png[19]]), u32::from_be_bytes([png[20], png[21], png[22], png[23]]));
    assert!(width >= 800 && height >= 600, "{width}x{height}");
    assert!(png.len() > 20_000, "a rendered page, not a blank one: {} bytes", png.len());
}
