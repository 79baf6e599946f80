//! `HttpPaging` against a real local HTTP server: the bodies it sends, retries on 5xx and
//! network trouble but not on other 4xx, and secrets kept out of every error.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use firebreak_commands::escalation::{Page, PagerWebhook, WebhookFormat};
use firebreak_commands::ports::{Paging, PagingError};
use firebreak_commands::testing::{sample_incident, test_time};
use serde_json::Value;

use super::{HttpPaging, Retry};
use crate::config::{PagerSecrets, Secret};

/// A pager that answers with the scripted statuses in order (then 202) and keeps the bodies.
#[derive(Clone, Default)]
struct Pager {
    answers: Arc<Mutex<VecDeque<(u16, String)>>>,
    bodies: Arc<Mutex<Vec<Value>>>,
}

async fn take(State(pager): State<Pager>, body: String) -> (StatusCode, String) {
    pager.bodies.lock().unwrap_or_else(|e| e.into_inner()).push(serde_json::from_str(&body).unwrap_or(Value::Null));
    let (status, text) = pager.answers.lock().unwrap_or_else(|e| e.into_inner()).pop_front().unwrap_or((202, "{}".into()));
    (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), text)
}

impl Pager {
    /// Serves on a free port; returns its URL, with a path that holds a secret token.
    async fn start(answers: &[(u16, &str)]) -> (Self, String) {
        let pager = Self { answers: Arc::new(Mutex::new(answers.iter().map(|(s, t)| (*s, (*t).to_owned())).collect())), ..Self::default() };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let app = axum::Router::new().route("/hooks/T0SECRET/B0SECRET", post(take)).with_state(pager.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (pager, format!("http://127.0.0.1:{port}/hooks/T0SECRET/B0SECRET"))
    }

    fn bodies(&self) -> Vec<Value> {
        self.bodies.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

fn paging(vars: &[(&str, &str)]) -> HttpPaging {
    let secrets = vars.iter().map(|(k, v)| ((*k).to_owned(), Secret::new(*v))).collect::<BTreeMap<_, _>>();
    HttpPaging::new(PagerSecrets(secrets), Retry { attempts: 3, timeout: Duration::from_secs(5), first_pause: Duration::from_millis(10) })
}

fn json_hook() -> PagerWebhook {
    PagerWebhook { url_env: Some("PAGER_WEBHOOK_URL".into()), format: WebhookFormat::Json, routing_key_env: None }
}

fn page() -> Page {
    let level = firebreak_commands::escalation::EscalationLevel { name: "Level 3 (Engineering Manager)".into(), ..Default::default() };
    Page::new(&sample_incident(), 2, &level, "data-integrity flag — checksums differ", test_time())
}

#[tokio::test]
async fn the_firebreak_body_says_what_escalated_where() {
    let (pager, url) = Pager::start(&[]).await;
    let sent = paging(&[("PAGER_WEBHOOK_URL", &url)]).page(&json_hook(), &page()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((sent.status, sent.attempts), (202, 1));
    let body = pager.bodies().remove(0);
    assert_eq!(body["format"], "firebreak.escalation.v1");
    assert_eq!(body["incident"], serde_json::json!({"number": 7, "title": "API returns 502", "severity": "sev1", "status": "investigating"}));
    assert_eq!(body["level"], serde_json::json!({"number": 2, "name": "Level 3 (Engineering Manager)"}));
    assert_eq!(body["reason"], "data-integrity flag — checksums differ");
    assert_eq!(body["channel"]["url"], "https://slack.com/app_redirect?channel=C1&team=T0001");
    assert_eq!(body["dedup_key"], "firebreak-T0001-7-level-2");
    assert_eq!(body["at"], "2026-11-23T03:12:00Z");
}

#[tokio::test]
async fn server_errors_are_retried_with_the_same_body() {
    let (pager, url) = Pager::start(&[(503, "busy"), (502, "")]).await;
    let sent = paging(&[("PAGER_WEBHOOK_URL", &url)]).page(&json_hook(), &page()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sent.attempts, 3);
    let bodies = pager.bodies();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| b == &bodies[0]), "the same dedup_key every time");
}

#[tokio::test]
async fn a_refusal_is_not_retried_and_the_secrets_stay_out_of_it() {
    let (pager, url) = Pager::start(&[(400, "invalid routing key R0UTINGKEY0000 for hooks/T0SECRET/B0SECRET")]).await;
    let hook = PagerWebhook { url_env: Some("PD_URL".into()), format: WebhookFormat::PagerDuty, routing_key_env: Some("PD_KEY".into()) };
    let error = paging(&[("PD_URL", &url), ("PD_KEY", "R0UTINGKEY0000")]).page(&hook, &page()).await.err().unwrap_or_else(|| panic!("refused"));
    assert!(matches!(&error, PagingError::Refused { status: 400, attempts: 1, .. }), "{error:?}");
    let body = pager.bodies().remove(0);
    assert_eq!((body["routing_key"].as_str(), body["event_action"].as_str()), (Some("R0UTINGKEY0000"), Some("trigger")));
    assert_eq!((body["payload"]["severity"].as_str(), body["payload"]["source"].as_str()), (Some("critical"), Some("firebreak")));
    assert_eq!(body["payload"]["custom_details"]["level"]["number"], 2);
    let text = error.to_string();
    assert!(text.contains("HTTP 400") && !text.contains("R0UTINGKEY") && text.contains("invalid routing key [redacted]"), "{text}");
}

#[tokio::test]
async fn an_unreachable_pager_is_tried_three_times_and_its_url_never_shown() {
    let (_pager, url) = Pager::start(&[]).await;
    // A port nothing listens on: bind one, then free it.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
        listener.local_addr().map(|a| a.port()).unwrap_or_default()
    };
    let dead = url.replace(&url[7..url.find("/hooks").unwrap_or(7)], &format!("127.0.0.1:{closed}"));
    let error = paging(&[("PAGER_WEBHOOK_URL", &dead)]).page(&json_hook(), &page()).await.err().unwrap_or_else(|| panic!("unreachable"));
    assert!(matches!(&error, PagingError::Unreachable { attempts: 3, .. }), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("B0SECRET"), "{error}");
}

#[tokio::test]
async fn a_variable_that_was_not_set_is_named() {
    let error = paging(&[]).page(&json_hook(), &page()).await.err().unwrap_or_else(|| panic!("not configured"));
    assert_eq!(error, PagingError::NotConfigured("environment variable PAGER_WEBHOOK_URL was not set when Firebreak started".into()));
}
