//! Product benchmarks: `/incident start` → card against the fake Slack (latency and Slack round
//! trips), start-up to ready, idle RSS and RSS with 1,000 open incidents, on SQLite.
//!
//! Run: `bench/product.sh` (builds the release binary, then
//! `cargo bench -p firebreak-tests --bench product`). The start-up and RSS figures are of the
//! release binary `target/release/firebreak` (or `FIREBREAK_BIN`), launched as a process.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use firebreak::store::SqlStore;
use firebreak_commands::ids::{ChannelId, SlackUserId};
use firebreak_commands::settings::Settings;
use firebreak_commands::severity::Severity;
use firebreak_tests::backend::Backend;
use firebreak_tests::fake_slack::FakeSlack;
use firebreak_tests::spawn::{self, spawn_app_with, TestApp};

const STARTS: usize = 50;
const STARTUPS: usize = 5;
const OPEN_INCIDENTS: usize = 1000;
const CONCURRENCY: usize = 8;
/// How often the bench looks at the fake Slack while waiting: the resolution of the latencies.
const POLL: Duration = Duration::from_millis(1);

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

/// `/incident start` → card posted in the new channel, in-process against the fake Slack.
async fn start_to_card() {
    let app = spawn_app_with(Backend::Sqlite, |slack| Settings {
        broadcast_channel: Some(ChannelId::new(slack.add_channel("incidents"))),
        responders: [(Severity::Sev1, vec![SlackUserId::parse("U0ONCALL").unwrap_or_else(|| panic!("user id"))])].into(),
        ..Settings::default()
    })
    .await
    .unwrap_or_else(|| panic!("SQLite is always available"));
    let broadcast = app.slack.channel_by_name("incidents").map(|c| c.id).unwrap_or_default();
    let (mut to_ack, mut to_card, mut to_done) = (Vec::new(), Vec::new(), Vec::new());
    let (mut before_card, mut total, mut last_first_call) = (Vec::new(), Vec::new(), 0);
    for i in 0..STARTS {
        let first_call = app.slack.calls().len();
        last_first_call = first_call;
        let started = Instant::now();
        let (ack, response_url) = app.slash("U0ALICE", "CGENERAL", &format!("start sev1 bench incident {i}")).await;
        assert_eq!(ack.status, 200, "{}", ack.body);
        to_ack.push(started.elapsed());
        // The card is the first message posted outside the broadcast channel.
        let is_card = |c: &firebreak_tests::fake_slack::Call| c.method == "chat.postMessage" && c.arg("channel").as_deref() != Some(&broadcast);
        let card_at = loop {
            if let Some(at) = app.slack.calls()[first_call..].iter().position(is_card) {
                break at;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "no card: {}", app.slack.dump_calls());
            tokio::time::sleep(POLL).await;
        };
        to_card.push(started.elapsed());
        before_card.push(card_at + 1);
        while app.slack.responses(&response_url).is_empty() {
            assert!(started.elapsed() < Duration::from_secs(10), "no confirmation");
            tokio::time::sleep(POLL).await;
        }
        to_done.push(started.elapsed());
        total.push(app.slack.calls().len() - first_call);
    }
    app.slack.assert_faithful();
    let methods: Vec<String> = app.slack.calls().iter().skip(last_first_call).map(|c| c.method.clone()).collect();
    for list in [&mut to_ack, &mut to_card, &mut to_done] {
        list.sort_unstable();
    }
    println!("/incident start, SEV1 with one responder and a broadcast channel, {STARTS} in a row, SQLite, fake Slack on loopback:");
    println!("  ack:                  p50 {:.2} ms, p99 {:.2} ms", percentile(&to_ack, 0.5), percentile(&to_ack, 0.99));
    println!("  card posted:          p50 {:.2} ms, p99 {:.2} ms (looked for every {POLL:?})", percentile(&to_card, 0.5), percentile(&to_card, 0.99));
    println!("  requester confirmed:  p50 {:.2} ms, p99 {:.2} ms", percentile(&to_done, 0.5), percentile(&to_done, 0.99));
    println!(
        "  Slack Web API round trips: {} up to and including the card, {} in all (min–max over runs: {}–{} / {}–{})",
        before_card[0],
        total[0],
        before_card.iter().min().unwrap_or(&0),
        before_card.iter().max().unwrap_or(&0),
        total.iter().min().unwrap_or(&0),
        total.iter().max().unwrap_or(&0)
    );
    println!("  calls of the last start, in order: {}", methods.join(" → "));
}

fn binary() -> String {
    std::env::var("FIREBREAK_BIN").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/release/firebreak").to_owned())
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    listener.local_addr().unwrap_or_else(|e| panic!("address: {e}")).port()
}

/// The release binary, serving on a fresh port against `slack` and `database_url`.
fn launch(slack: &FakeSlack, database_url: &str) -> (Child, String) {
    let port = free_port();
    let bin = binary();
    let child = Command::new(&bin)
        .arg("serve")
        .env_clear()
        .env("SLACK_BOT_TOKEN", spawn::BOT_TOKEN)
        .env("SLACK_SIGNING_SECRET", spawn::SIGNING_SECRET)
        .env("SLACK_API_URL", slack.api_url())
        .env("DATABASE_URL", database_url)
        .env("FIREBREAK_CONFIG", "/nonexistent/firebreak.toml")
        .env("FIREBREAK_LISTEN", format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e} (build it: cargo build --release -p firebreak)"));
    (child, format!("http://127.0.0.1:{port}"))
}

async fn wait_ready(http: &reqwest::Client, base_url: &str, since: Instant) -> Duration {
    loop {
        if let Ok(response) = http.get(format!("{base_url}/health/ready")).send().await
            && response.status().as_u16() == 200
        {
            return since.elapsed();
        }
        assert!(since.elapsed() < Duration::from_secs(30), "not ready after 30 s");
        tokio::time::sleep(POLL).await;
    }
}

fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_else(|e| panic!("/proc/{pid}/status: {e}"));
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn stop(mut child: Child) {
    // SIGKILL is enough here: the database is thrown away.
    let _ = child.kill();
    let _ = child.wait();
}

/// Start-up to `/health/ready` 200 and memory, of the release binary on SQLite.
async fn process_figures() {
    let slack = FakeSlack::start(spawn::BOT_TOKEN).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().unwrap_or_else(|e| panic!("{e}"));
    let (mut fresh, mut existing) = (Vec::new(), Vec::new());
    let mut database_url = String::new();
    for _ in 0..STARTUPS {
        database_url = Backend::Sqlite.fresh_database_url().await.unwrap_or_default();
        let since = Instant::now();
        let (child, base_url) = launch(&slack, &database_url);
        fresh.push(wait_ready(&http, &base_url, since).await);
        stop(child);
    }
    for _ in 0..STARTUPS {
        let since = Instant::now();
        let (child, base_url) = launch(&slack, &database_url);
        existing.push(wait_ready(&http, &base_url, since).await);
        stop(child);
    }
    fresh.sort_unstable();
    existing.sort_unstable();
    println!("release binary on SQLite, spawn → GET /health/ready 200 ({STARTUPS} runs each):");
    println!("  new database (migrations run):   median {:.1} ms, max {:.1} ms", percentile(&fresh, 0.5), percentile(&fresh, 1.0));
    println!("  existing database:               median {:.1} ms, max {:.1} ms", percentile(&existing, 0.5), percentile(&existing, 1.0));

    let database_url = Backend::Sqlite.fresh_database_url().await.unwrap_or_default();
    let (child, base_url) = launch(&slack, &database_url);
    wait_ready(&http, &base_url, Instant::now()).await;
    // Past one round of the timer loop (every 5 s) so that its work is counted too.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (idle, _) = rss_kib(child.id());
    let store = SqlStore::connect(&database_url).await.unwrap_or_else(|e| panic!("second store handle: {e}"));
    let app = Arc::new(TestApp { base_url, slack, store: Arc::new(store), http, database_url });
    let created = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|w| {
            let app = app.clone();
            tokio::spawn(async move {
                for i in (w..OPEN_INCIDENTS).step_by(CONCURRENCY) {
                    let (ack, response_url) = app.slash("U0ALICE", "CGENERAL", &format!("start sev2 bench incident {i}")).await;
                    assert_eq!(ack.status, 200, "{}", ack.body);
                    while app.slack.responses(&response_url).is_empty() {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap_or_else(|e| panic!("{e}"));
    }
    let took = created.elapsed();
    let open = app.open_incidents().await.len();
    assert_eq!(open, OPEN_INCIDENTS, "every start opened an incident");
    tokio::time::sleep(Duration::from_secs(6)).await;
    let (loaded, peak) = rss_kib(child.id());
    stop(child);
    println!("release binary on SQLite, memory (VmRSS from /proc/<pid>/status):");
    println!("  idle after start-up:               {:.1} MiB", idle as f64 / 1024.0);
    println!("  with {open} open incidents:          {:.1} MiB (peak {:.1} MiB)", loaded as f64 / 1024.0, peak as f64 / 1024.0);
    println!(
        "  the {OPEN_INCIDENTS} starts ({CONCURRENCY} at a time, each with its channel, card and pin on the fake Slack) took {:.1} s: {:.0} starts/s",
        took.as_secs_f64(),
        OPEN_INCIDENTS as f64 / took.as_secs_f64()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks one part.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--")).unwrap_or_default();
    if filter.is_empty() || "start".contains(&filter) {
        start_to_card().await;
    }
    if filter.is_empty() || "process".contains(&filter) {
        process_figures().await;
    }
}
