//! Diagnostics through `HostProbes` against real things: a local HTTP server, Postgres, Redis
//! and this machine's disks, judged by `evaluate`. (TLS is proven in the bot crate's own tests,
//! which have tokio-rustls for a real TLS server.) Postgres and Redis come from
//! `FIREBREAK_TEST_POSTGRES_URL` / `FIREBREAK_TEST_REDIS_URL`; without them the scenarios are
//! skipped, except under `CI=true` where they fail.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use firebreak::adapters::probes::HostProbes;
use firebreak_commands::diagnostics::evaluate::evaluate;
use firebreak_commands::diagnostics::facts::{ContainerFacts, DeploymentFacts, EventFacts, GpuFacts, PodFacts};
use firebreak_commands::diagnostics::result::Verdict;
use firebreak_commands::diagnostics::spec::{CheckSpec, CheckTarget, ContainerFilter, LabelSelector};
use firebreak_commands::diagnostics::{Cluster, Containers, DiagnosticPorts, Gpus, Outcome, ProbeError, Probes};
use jiff::Timestamp;
use tokio::net::TcpListener;

// ---------------------------------------------------------------------------------------------
// Ports: real probes, and the other ports answering "not configured" (never asked here).
// The traits are `#[async_trait]`; this crate has no async-trait, so the impls are written in
// the form the macro expands to.

#[derive(Debug)]
struct NotHere;

type Answer<'a, T> = Pin<Box<dyn Future<Output = Result<T, ProbeError>> + Send + 'a>>;

fn not_here<'a, T: Send + 'a>() -> Answer<'a, T> {
    Box::pin(async { Err(ProbeError::NotConfigured("not part of the probe tests".into())) })
}

impl Cluster for NotHere {
    fn pods<'life0, 'life1, 'life2, 'async_trait>(&'life0 self, _: &'life1 str, _: &'life2 LabelSelector) -> Answer<'async_trait, Vec<PodFacts>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        not_here()
    }
    fn deployment<'life0, 'life1, 'life2, 'async_trait>(&'life0 self, _: &'life1 str, _: &'life2 str) -> Answer<'async_trait, DeploymentFacts>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        not_here()
    }
    fn warning_events<'life0, 'life1, 'async_trait>(&'life0 self, _: &'life1 str) -> Answer<'async_trait, Vec<EventFacts>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        not_here()
    }
    fn pod_logs<'life0, 'life1, 'life2, 'async_trait>(&'life0 self, _: &'life1 str, _: &'life2 str, _: u32) -> Answer<'async_trait, Vec<String>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        'life2: 'async_trait,
        Self: 'async_trait,
    {
        not_here()
    }
}

impl Containers for NotHere {
    fn containers<'life0, 'life1, 'async_trait>(&'life0 self, _: &'life1 ContainerFilter) -> Answer<'async_trait, Vec<ContainerFacts>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        not_here()
    }
    fn logs<'life0, 'life1, 'async_trait>(&'life0 self, _: &'life1 str, _: u32, _: Option<Duration>) -> Answer<'async_trait, Vec<String>>
    where
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        not_here()
    }
}

impl Gpus for NotHere {
    fn devices<'life0, 'async_trait>(&'life0 self) -> Answer<'async_trait, Vec<GpuFacts>>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        not_here()
    }
}

fn ports(probes: HostProbes) -> DiagnosticPorts {
    DiagnosticPorts { cluster: Arc::new(NotHere), containers: Arc::new(NotHere), gpus: Arc::new(NotHere), probes: Arc::new(probes) }
}

async fn check(probes: HostProbes, target: CheckTarget, timeout: Duration) -> Verdict {
    let spec = CheckSpec { name: "probe".into(), timeout, target };
    evaluate(&ports(probes), &spec, Timestamp::now()).await
}

/// The URL in `variable`, or `None` (with a notice) outside CI; under `CI=true` a missing
/// service is a failure, not a skip.
fn service_url(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{variable} is not set but CI=true (use scripts/test.sh)");
            eprintln!("skipping: {variable} is not set");
            None
        }
    }
}

/// Probes that see `url` in a uniquely named variable (returned) and nothing else.
fn probes_with(url: Option<String>) -> (HostProbes, String) {
    let name = format!("FIREBREAK_PROBE_URL_{}", uuid::Uuid::new_v4().simple());
    let wanted = name.clone();
    (HostProbes::with_env(move |asked| if asked == wanted { url.clone() } else { None }), name)
}

/// A port with nothing listening on it (bound, then released).
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind: {e}"));
    listener.local_addr().map(|a| a.port()).unwrap_or_else(|e| panic!("local_addr: {e}"))
}

/// `scheme://user:password@host:port/rest` with the authority's host:port and/or password replaced.
fn with_authority(url: &str, host_port: Option<&str>, password: Option<&str>) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or_else(|| panic!("not a URL"));
    let (authority, path) = rest.split_once('/').map_or((rest, String::new()), |(a, p)| (a, format!("/{p}")));
    let (userinfo, host) = authority.rsplit_once('@').map_or((None, authority), |(u, h)| (Some(u), h));
    let user = userinfo.map(|u| u.split_once(':').map_or(u, |(user, _)| user));
    let old_password = userinfo.and_then(|u| u.split_once(':').map(|(_, p)| p));
    let password = password.or(old_password);
    let userinfo = match (user, password) {
        (Some(user), Some(password)) => format!("{user}:{password}@"),
        (Some(user), None) => format!("{user}@"),
        (None, Some(password)) => format!(":{password}@"),
        (None, None) => String::new(),
    };
    format!("{scheme}://{userinfo}{}{path}", host_port.unwrap_or(host))
}

fn everything(verdict: &Verdict) -> String {
    format!("{} {}", verdict.summary, verdict.details.join(" "))
}

// ---------------------------------------------------------------------------------------------
// HTTP

/// A local server: `/ok` 200, `/fail` 500, `/moved` 302 to `/fail`, `/hang` never answers.
async fn http_server() -> String {
    let app = Router::new()
        .route("/ok", get(|| async { "all good" }))
        .route("/fail", get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "database is down") }))
        .route("/moved", get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/fail")]).into_response() }))
        .route("/hang", get(std::future::pending::<&'static str>));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("bind: {e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("local_addr: {e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test]
async fn http_statuses_are_facts_and_judged_as_curl_f() {
    let base = http_server().await;
    let probes = HostProbes::new();
    let ok = probes.http_get(&format!("{base}/ok"), Duration::from_secs(5)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((ok.status, ok.body_snippet.as_str()), (200, "all good"));
    assert!(ok.latency < Duration::from_secs(5));

    let verdict = check(probes.clone(), CheckTarget::Http { url: format!("{base}/ok") }, Duration::from_secs(5)).await;
    assert_eq!(verdict.outcome, Outcome::Ok, "{verdict:?}");
    assert!(verdict.summary.starts_with("HTTP 200 in "), "{}", verdict.summary);

    let verdict = check(probes.clone(), CheckTarget::Http { url: format!("{base}/fail") }, Duration::from_secs(5)).await;
    assert_eq!((verdict.outcome, verdict.summary.clone()), (Outcome::Fail, format!("HTTP 500 from {base}/fail")));
    assert!(verdict.details.iter().any(|d| d.contains("database is down")), "{:?}", verdict.details);

    // Redirects are reported, not followed: following this one would have found a 500.
    let moved = probes.http_get(&format!("{base}/moved"), Duration::from_secs(5)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(moved.status, 302);
}

#[tokio::test]
async fn an_http_endpoint_that_never_answers_times_out_and_fails() {
    let base = http_server().await;
    let started = Instant::now();
    let result = HostProbes::new().http_get(&format!("{base}/hang"), Duration::from_millis(500)).await;
    assert!(matches!(result, Err(ProbeError::Unreachable(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());

    let verdict = check(HostProbes::new(), CheckTarget::Http { url: format!("{base}/hang") }, Duration::from_millis(500)).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.starts_with("unreachable: "), "{}", verdict.summary);
}

#[tokio::test]
async fn http_credentials_are_never_shown_and_refused_connections_fail() {
    let base = http_server().await;
    let with_credentials = base.replace("http://", "http://admin:hunter2-secret@");
    let verdict = check(HostProbes::new(), CheckTarget::Http { url: format!("{with_credentials}/fail") }, Duration::from_secs(5)).await;
    assert_eq!(verdict.outcome, Outcome::Fail);
    assert!(!everything(&verdict).contains("hunter2"), "{verdict:?}");

    let url = format!("http://admin:hunter2-secret@127.0.0.1:{}/ok", closed_port().await);
    let verdict = check(HostProbes::new(), CheckTarget::Http { url }, Duration::from_secs(5)).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.starts_with("unreachable: "), "{}", verdict.summary);
    assert!(!everything(&verdict).contains("hunter2"), "{verdict:?}");
}

// ---------------------------------------------------------------------------------------------
// Postgres

fn postgres_target(url_env: &str, max_connections_percent: u8) -> CheckTarget {
    CheckTarget::Postgres { url_env: url_env.to_owned(), max_connections_percent }
}

#[tokio::test]
async fn postgres_answers_and_counts_connections() {
    let Some(url) = service_url("FIREBREAK_TEST_POSTGRES_URL") else { return };
    let (probes, env) = probes_with(Some(url));
    let facts = probes.postgres(&env, Duration::from_secs(10)).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(facts.select_one);
    assert!(facts.connections >= 1, "our own connection counts: {facts:?}");
    assert!(facts.max_connections >= facts.connections, "{facts:?}");
    assert!(facts.server_version.starts_with(|c: char| c.is_ascii_digit()), "{facts:?}");

    let verdict = check(probes.clone(), postgres_target(&env, 90), Duration::from_secs(10)).await;
    assert_eq!(verdict.outcome, Outcome::Ok, "{verdict:?}");
    assert!(verdict.summary.starts_with("SELECT 1 ok in "), "{}", verdict.summary);
    assert!(verdict.summary.contains(&format!("/{} connections", facts.max_connections)), "{}", verdict.summary);

    // A threshold of 0% is always reached: the connection count is what warns.
    let verdict = check(probes, postgres_target(&env, 0), Duration::from_secs(10)).await;
    assert_eq!(verdict.outcome, Outcome::Warn, "{verdict:?}");
}

#[tokio::test]
async fn postgres_on_a_closed_port_fails_as_unreachable() {
    let Some(url) = service_url("FIREBREAK_TEST_POSTGRES_URL") else { return };
    let closed = with_authority(&url, Some(&format!("127.0.0.1:{}", closed_port().await)), None);
    let (probes, env) = probes_with(Some(closed));
    let verdict = check(probes, postgres_target(&env, 90), Duration::from_secs(10)).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.starts_with("unreachable: "), "{}", verdict.summary);
}

#[tokio::test]
async fn a_wrong_postgres_password_fails_without_showing_it() {
    let Some(url) = service_url("FIREBREAK_TEST_POSTGRES_URL") else { return };
    let password = format!("wrong-{}", uuid::Uuid::new_v4().simple());
    let (probes, env) = probes_with(Some(with_authority(&url, None, Some(&password))));
    let verdict = check(probes, postgres_target(&env, 90), Duration::from_secs(10)).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.contains("password authentication failed"), "{}", verdict.summary);
    assert!(!everything(&verdict).contains(&password), "{verdict:?}");
    assert!(!everything(&verdict).contains("postgres://"), "{verdict:?}");
}

#[tokio::test]
async fn an_unset_postgres_variable_is_an_error_naming_it() {
    let (probes, env) = probes_with(None);
    let verdict = check(probes, postgres_target(&env, 90), Duration::from_secs(5)).await;
    assert_eq!((verdict.outcome, verdict.summary), (Outcome::Error, format!("not configured: environment variable {env} is not set")));
}

// ---------------------------------------------------------------------------------------------
// Redis

#[tokio::test]
async fn redis_answers_ping_and_info() {
    let Some(url) = service_url("FIREBREAK_TEST_REDIS_URL") else { return };
    let (probes, env) = probes_with(Some(url));
    let facts = probes.redis(&env, Duration::from_secs(5)).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(facts.used_memory_bytes > 0, "{facts:?}");
    assert!(facts.connected_clients >= 1, "our own client counts: {facts:?}");
    assert!(facts.server_version.starts_with(|c: char| c.is_ascii_digit()), "{facts:?}");

    let verdict = check(probes, CheckTarget::Redis { url_env: env }, Duration::from_secs(5)).await;
    assert_eq!(verdict.outcome, Outcome::Ok, "{verdict:?}");
    assert!(verdict.summary.starts_with("PONG in "), "{}", verdict.summary);
}

#[tokio::test]
async fn redis_on_a_closed_port_fails_as_unreachable() {
    let Some(_) = service_url("FIREBREAK_TEST_REDIS_URL") else { return };
    let (probes, env) = probes_with(Some(format!("redis://127.0.0.1:{}", closed_port().await)));
    let verdict = check(probes, CheckTarget::Redis { url_env: env }, Duration::from_secs(5)).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");
    assert!(verdict.summary.starts_with("unreachable: "), "{}", verdict.summary);
}

// ---------------------------------------------------------------------------------------------
// Disk

#[tokio::test]
async fn disks_report_plausible_space_and_thresholds_decide() {
    let temp = std::env::temp_dir().to_string_lossy().into_owned();
    let probes = HostProbes::new();
    for path in ["/", temp.as_str()] {
        let facts = probes.disk(path).await.unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(facts.total_bytes > 0 && facts.available_bytes <= facts.total_bytes, "{facts:?}");
    }
    let paths = vec!["/".to_owned(), temp];
    let verdict = check(probes.clone(), CheckTarget::Disk { paths: paths.clone(), warn_free_percent: 0, fail_free_percent: 0 }, Duration::from_secs(5)).await;
    assert_eq!(verdict.outcome, Outcome::Ok, "{verdict:?}");
    assert_eq!(verdict.details.len(), 2, "{verdict:?}");
    assert!(verdict.summary.contains("% free ("), "{}", verdict.summary);

    // Nothing is 100% free, so a 100% floor fails.
    let verdict = check(probes.clone(), CheckTarget::Disk { paths, warn_free_percent: 100, fail_free_percent: 100 }, Duration::from_secs(5)).await;
    assert_eq!(verdict.outcome, Outcome::Fail, "{verdict:?}");

    let verdict = check(probes, CheckTarget::Disk { paths: vec!["/no/such/firebreak/path".into()], warn_free_percent: 10, fail_free_percent: 5 }, Duration::from_secs(5)).await;
    assert_eq!(verdict.outcome, Outcome::Error, "{verdict:?}");
}
