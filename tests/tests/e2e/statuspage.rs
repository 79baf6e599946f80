//! The status-page update of the NeRF runbook (`curl -X POST …/v1/pages/PAGE_ID/incidents`)
//! as a native, approved action against a fake Statuspage: the adapter's answers to every
//! kind of reply (created, 401, 404, 422, 429, a lost answer, no server), and the whole flow
//! through Slack — request, approve, exactly one post with the runbook's text and the key,
//! the link in the channel and on the timeline, resolved on the page when the incident is;
//! a bad key fails, is told and posts nothing.

use std::collections::BTreeMap;
use std::time::Duration;

use firebreak::adapters::statuspage::StatusPageApi;
use firebreak::config::{Secret, StatusPageEnv};
use firebreak_commands::diagnostics::runbook::{Runbook, Runbooks};
use firebreak_commands::ids::SlackUserId;
use firebreak_commands::ports::{IncidentStore, RemediationStore};
use firebreak_commands::remediation::policy::ApprovalPolicy;
use firebreak_commands::remediation::request::{RequestId, RequestState};
use firebreak_commands::remediation::{ActionError, ActionSpec, ActionTarget, RunbookAction, StatusPageActions};
use firebreak_commands::settings::Settings;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::fake_statuspage::{CreateFault, FakeStatuspage};
use firebreak_tests::on_both_backends;
use firebreak_tests::spawn::{spawn_app_configured, TestApp};
use serde_json::Value;

const PAGE: &str = "kctbh9vrtdwd";
const KEY: &str = "sp-test-key-d41d8cd98f00";
const NAME: &str = "Service Maintenance";

fn target(name: &str) -> ActionTarget {
    ActionTarget::StatusPageIncident {
        page_id: PAGE.into(),
        token_env: "STATUSPAGE_API_KEY".into(),
        name: name.into(),
        status: "investigating".into(),
        body: Some("We are investigating reports of errors.".into()),
    }
}

fn env(url: &str, key: &str) -> StatusPageEnv {
    StatusPageEnv { api_url: url.to_owned(), keys: BTreeMap::from([("STATUSPAGE_API_KEY".to_owned(), Secret::new(key))]) }
}

/// The adapter against the fake, with a key.
async fn api(key: &str) -> (FakeStatuspage, StatusPageApi) {
    let fake = FakeStatuspage::start(KEY, &[PAGE]).await;
    let api = StatusPageApi::with_timeout(env(fake.url(), key), Duration::from_secs(10));
    (fake, api)
}

#[tokio::test]
async fn creates_once_as_json_with_the_oauth_key_and_reads_it_back() {
    let (fake, api) = api(KEY).await;
    let posted = api.create(&target(NAME)).await.unwrap_or_else(|e| panic!("{e}"));
    let creates = fake.creates();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0].path, format!("/v1/pages/{PAGE}/incidents"));
    assert_eq!(creates[0].authorization.as_deref(), Some(format!("OAuth {KEY}").as_str()));
    assert_eq!(creates[0].content_type.as_deref(), Some("application/json"));
    let body: Value = serde_json::from_str(&creates[0].body).unwrap_or_default();
    assert_eq!(body["incident"]["name"], NAME);
    assert_eq!(body["incident"]["status"], "investigating");
    assert_eq!(body["incident"]["body"], "We are investigating reports of errors.");
    let stored = fake.incidents(PAGE);
    assert_eq!((posted.id.as_str(), posted.status.as_str()), (stored[0]["id"].as_str().unwrap_or_default(), "investigating"));
    assert_eq!(posted.shortlink.as_deref(), stored[0]["shortlink"].as_str());
    assert!(posted.found_by_lookup.is_none());
    let verified = api.verify(&target(NAME), &posted).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(verified.success && verified.summary == format!("Statuspage shows incident {} as investigating", posted.id), "{verified:?}");
    assert_eq!(fake.requests().len(), 2, "one POST and one GET");
}

#[tokio::test]
async fn a_bad_key_an_unknown_page_and_a_nameless_incident_are_refused_with_nothing_posted() {
    let (fake, wrong) = api("sp-not-the-key").await;
    let error = wrong.create(&target(NAME)).await.err().unwrap_or_else(|| panic!("created with a bad key"));
    assert!(matches!(&error, ActionError::Forbidden(m) if m.contains("STATUSPAGE_API_KEY") && m.contains("HTTP 401: Could not authenticate") && m.contains("nothing was posted")), "{error}");
    assert!(!error.to_string().contains("sp-not-the-key"), "the key is never in an error");

    let api = StatusPageApi::with_timeout(env(fake.url(), KEY), Duration::from_secs(10));
    let elsewhere = ActionTarget::StatusPageIncident { page_id: "nosuchpage1".into(), token_env: "STATUSPAGE_API_KEY".into(), name: NAME.into(), status: "identified".into(), body: None };
    let error = api.create(&elsewhere).await.err().unwrap_or_else(|| panic!("created on an unknown page"));
    assert!(matches!(&error, ActionError::NotFound(m) if m.contains("no page `nosuchpage1`")), "{error}");

    let error = api.create(&target(" ")).await.err().unwrap_or_else(|| panic!("created without a name"));
    assert!(matches!(&error, ActionError::Refused(m) if m.contains("HTTP 422: Name can't be blank") && m.contains("nothing was posted")), "{error}");
    assert!(fake.incidents(PAGE).is_empty());
    assert_eq!(fake.creates().len(), 3, "each tried once, none retried");
}

#[tokio::test]
async fn a_rate_limit_is_reported_with_its_retry_after_and_not_retried() {
    let (fake, api) = api(KEY).await;
    fake.fail_next_create(CreateFault::Refuse { status: 429, retry_after: Some(30) });
    let error = api.create(&target(NAME)).await.err().unwrap_or_else(|| panic!("created through a rate limit"));
    assert!(matches!(&error, ActionError::Refused(m) if m.contains("HTTP 429, retry after 30 s") && m.contains("request it again later")), "{error}");
    assert_eq!(fake.creates().len(), 1);
    assert!(fake.incidents(PAGE).is_empty());
}

#[tokio::test]
async fn a_lost_answer_is_looked_up_instead_of_posting_again() {
    let (fake, api) = api(KEY).await;
    // Created, but the answer is a 502: the incident is found on the page, not posted twice.
    fake.fail_next_create(CreateFault::CreateThenFail { status: 502 });
    let posted = api.create(&target(NAME)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fake.creates().len(), 1);
    assert_eq!(fake.incidents(PAGE).len(), 1);
    assert_eq!(Some(posted.id.as_str()), fake.incidents(PAGE)[0]["id"].as_str());
    assert!(posted.found_by_lookup.as_deref().is_some_and(|w| w.contains("HTTP 502") && w.contains("instead of posting again")), "{posted:?}");

    // Not created and a 503: nothing is found, the state is said to be unknown.
    fake.fail_next_create(CreateFault::Refuse { status: 503, retry_after: None });
    let error = api.create(&target("Elevated errors")).await.err().unwrap_or_else(|| panic!("claimed a post that was not made"));
    assert!(matches!(&error, ActionError::Unanswered(m) if m.contains("check the page")), "{error}");
    assert!(error.to_string().starts_with("outcome unknown: Statuspage did not answer the POST (HTTP 503)"), "{error}");
    assert_eq!(fake.creates().len(), 2, "never re-posted");
    assert_eq!(fake.incidents(PAGE).len(), 1);
}

#[tokio::test]
async fn no_server_and_no_key_post_nothing_and_say_so() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or_else(|e| panic!("{e}"));
    let api = StatusPageApi::with_timeout(env(&format!("http://127.0.0.1:{port}"), KEY), Duration::from_secs(10));
    let error = api.create(&target(NAME)).await.err().unwrap_or_else(|| panic!("posted to nothing"));
    assert!(matches!(&error, ActionError::Unreachable(m) if m.contains("nothing was posted")), "{error}");

    let fake = FakeStatuspage::start(KEY, &[PAGE]).await;
    let keyless = StatusPageApi::with_timeout(StatusPageEnv { api_url: fake.url().to_owned(), keys: BTreeMap::new() }, Duration::from_secs(10));
    let preview = keyless.preview(&target(NAME)).await.err().unwrap_or_else(|| panic!("previewed without a key"));
    assert!(matches!(&preview, ActionError::NotConfigured(m) if m.contains("STATUSPAGE_API_KEY")), "{preview}");
    assert!(keyless.create(&target(NAME)).await.is_err());
    assert!(fake.requests().is_empty(), "nothing was sent without a key");
}

/// The NeRF runbook's status-page step, approvable by Bob.
fn settings() -> Settings {
    let bob = SlackUserId::parse("U0BOB").unwrap_or_else(|| panic!("id"));
    let action = RunbookAction {
        spec: ActionSpec { name: "statuspage-investigating".into(), target: target(NAME) },
        policy: ApprovalPolicy { approvers: vec![bob], ..ApprovalPolicy::default() },
    };
    let runbook = Runbook {
        name: "nerf-service-down".into(),
        description: String::new(),
        alerts: vec![],
        services: vec!["nerf".into()],
        severity: None,
        checks: vec![],
        actions: vec![action],
    };
    Settings { runbooks: Runbooks(vec![runbook]), ..Settings::default() }
}

async fn spawn(backend: Backend, fake: &FakeStatuspage, key: &str) -> Option<TestApp> {
    let env = env(fake.url(), key);
    spawn_app_configured(backend, |_| settings(), move |_, config| config.statuspage = env).await
}

/// Requests the action as Alice, approves as Bob, waits for the outcome; returns the
/// incident's channel, the final state and the click's `response_url` (the card's updates).
async fn request_and_approve(app: &TestApp) -> (String, RequestState, String) {
    let channel = app.declare("U0ALICE", "start sev2 nerf returns 502").await;
    let incident = app.open_incidents().await.remove(0);
    let (ack, _) = app.slash("U0ALICE", &channel, "fix statuspage-investigating").await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    app.slack.wait_for("the approval card", |s| s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains("Approval needed")))).await;
    let (ack, card) = app.click("U0BOB", &channel, "fix_approve", &format!("{}:1", incident.id)).await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let request = app.store.request(RequestId(1)).await.ok().flatten();
        if let Some(state) = request.map(|r| r.state).filter(|s| matches!(s, RequestState::Succeeded | RequestState::Failed)) {
            return (channel, state, card);
        }
        assert!(tokio::time::Instant::now() < deadline, "the request never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every Web API call and answer, and the card's `response_url` updates.
fn everything_slack_saw(slack: &FakeSlack, card: &str) -> String {
    let calls: Vec<String> = slack.calls().iter().map(|c| format!("{} {} {}", c.method, c.args, c.response)).collect();
    format!("{}\n{:?}", calls.join("\n"), slack.responses(card))
}

async fn an_approved_status_page_update_posts_once_links_it_and_resolves_with_the_incident(backend: Backend) {
    let fake = FakeStatuspage::start(KEY, &[PAGE]).await;
    let Some(app) = spawn(backend, &fake, KEY).await else { return };
    let (channel, state, card_url) = request_and_approve(&app).await;
    assert_eq!(state, RequestState::Succeeded);
    let creates = fake.creates();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(creates[0].authorization.as_deref(), Some(format!("OAuth {KEY}").as_str()));
    let body: Value = serde_json::from_str(&creates[0].body).unwrap_or_default();
    assert_eq!((body["incident"]["name"].as_str(), body["incident"]["status"].as_str()), (Some(NAME), Some("investigating")));
    let stored = fake.incidents(PAGE);
    let (id, link) = (stored[0]["id"].as_str().unwrap_or_default().to_owned(), stored[0]["shortlink"].as_str().unwrap_or_default().to_owned());

    app.slack
        .wait_for("the post in the channel", |s| {
            s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains(&format!(":mega: Posted on the status page: *{NAME}* (investigating) — {link}"))))
        })
        .await;
    let incident = app.open_incidents().await.remove(0);
    let events = app.store.timeline(incident.id).await.unwrap_or_else(|e| panic!("{e}"));
    let described: Vec<String> = events.iter().map(|e| e.kind.describe()).collect();
    let finished = format!("posted Statuspage incident {id} (investigating): {link}");
    assert!(described.iter().any(|d| d.contains(&finished)), "{described:?}");
    assert!(described.iter().any(|d| d.contains(&format!("Statuspage shows incident {id} as investigating"))), "{described:?}");
    let card = described.iter().find(|d| d.contains("requested remediation")).cloned().unwrap_or_default();
    assert!(card.contains(&format!("curl -X POST https://api.statuspage.io/v1/pages/{PAGE}/incidents")) && card.contains("$STATUSPAGE_API_KEY"), "{card}");
    app.slack.wait_for("the card's result", |s| format!("{:?}", s.responses(&card_url)).contains(&finished)).await;

    // Resolving the incident resolves it on the page, once, and says so.
    let (ack, _) = app.slash("U0ALICE", &channel, "resolve nerf is back").await;
    assert_eq!(ack.status, 200, "{}", ack.body);
    app.slack
        .wait_for("the resolution on the status page", |s| {
            s.channel(&channel).is_some_and(|c| c.messages.iter().any(|m| m.text.contains(&format!(":white_check_mark: Resolved on the status page: *{NAME}* — {link}"))))
        })
        .await;
    assert_eq!(fake.incidents(PAGE)[0]["status"], "resolved");
    let patches: Vec<_> = fake.requests().into_iter().filter(|r| r.method == "PATCH").collect();
    assert_eq!(patches.len(), 1, "{patches:?}");
    assert_eq!(patches[0].path, format!("/v1/pages/{PAGE}/incidents/{id}"));
    let resolved: Vec<String> = app.store.timeline(incident.id).await.unwrap_or_default().iter().filter(|e| e.kind.key() == "status_page_resolved").map(|e| e.kind.describe()).collect();
    assert_eq!(resolved, [format!("resolved status-page incident `{id}`")]);
    assert_eq!(fake.creates().len(), 1);
    assert!(!everything_slack_saw(&app.slack, &card_url).contains(KEY), "the key never reaches Slack");
    app.slack.assert_faithful();
}

async fn a_bad_key_fails_the_request_tells_the_channel_and_posts_nothing(backend: Backend) {
    let fake = FakeStatuspage::start(KEY, &[PAGE]).await;
    let wrong = "sp-wrong-key-0b1c2d3e";
    let Some(app) = spawn(backend, &fake, wrong).await else { return };
    let (_, state, card_url) = request_and_approve(&app).await;
    assert_eq!(state, RequestState::Failed);
    assert!(fake.incidents(PAGE).is_empty());
    assert_eq!(fake.creates().len(), 1, "tried once, not retried");
    let request = app.store.request(RequestId(1)).await.ok().flatten().unwrap_or_else(|| panic!("no request"));
    let result = request.result.unwrap_or_default();
    assert!(result.contains("Statuspage refused the API key in STATUSPAGE_API_KEY") && result.contains("nothing was posted"), "{result}");
    app.slack.wait_for("the failed card", |s| format!("{:?}", s.responses(&card_url)).contains(":x: Failed")).await;
    let seen = everything_slack_saw(&app.slack, &card_url);
    assert!(seen.contains("Statuspage refused the API key in STATUSPAGE_API_KEY"), "the failure is told: {seen}");
    assert!(!seen.contains("Posted on the status page"));
    assert!(!seen.contains(wrong) && !seen.contains(KEY), "no key reaches Slack");
    app.slack.assert_faithful();
}

on_both_backends!(an_approved_status_page_update_posts_once_links_it_and_resolves_with_the_incident, a_bad_key_fails_the_request_tells_the_channel_and_posts_nothing);
