//! A tiny open-loop load generator for `bench/ack-path.sh`: sends signed `/incident help`
//! slash commands at a fixed rate (wrk cannot fix the rate; wrk2 is not in Debian) and prints
//! latency percentiles.
//!
//! Each of `--connections` keep-alive connections owns every C-th slot of the schedule. A
//! request's latency counts from its slot when the connection was still busy with the previous
//! answer (so a slow server is charged for the queue it causes — no coordinated omission),
//! and from the moment it was written otherwise (so the generator's timer slack is not).
//! Every request is signed afresh, as Slack signs each delivery.
//!
//! `SLACK_SIGNING_SECRET=… cargo run --release -p firebreak --example open_loop -- \
//!     http://127.0.0.1:3101/slack/commands 1000 10 16` (url, requests/s, seconds, connections)

#[path = "support/signed_http.rs"]
mod signed_http;

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use signed_http::response;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

struct Plan {
    addr: String,
    path: String,
    rate: f64,
    seconds: f64,
    connections: usize,
    secret: String,
}

#[derive(Default)]
struct Outcome {
    latencies: Vec<Duration>,
    errors: usize,
}

fn plan() -> anyhow::Result<Plan> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, rate, seconds, connections] = args.as_slice() else {
        bail!("usage: open_loop <http://host:port/path> <requests per second> <seconds> <connections>");
    };
    let (addr, path) = signed_http::split_url(url)?;
    Ok(Plan {
        addr,
        path,
        rate: rate.parse().context("requests per second")?,
        seconds: seconds.parse().context("seconds")?,
        connections: connections.parse().context("connections")?,
        secret: std::env::var("SLACK_SIGNING_SECRET").context("set SLACK_SIGNING_SECRET")?,
    })
}

fn request(plan: &Plan) -> anyhow::Result<Vec<u8>> {
    signed_http::request(&plan.addr, &plan.path, &plan.secret)
}

async fn connection(plan: &Plan, index: usize, start: Instant) -> anyhow::Result<Outcome> {
    let mut stream = TcpStream::connect(&plan.addr).await.with_context(|| format!("connecting to {}", plan.addr))?;
    stream.set_nodelay(true)?;
    let every = Duration::from_secs_f64(plan.connections as f64 / plan.rate);
    let first = start + Duration::from_secs_f64(index as f64 / plan.rate);
    let end = start + Duration::from_secs_f64(plan.seconds);
    let (mut outcome, mut buf, mut previous_done) = (Outcome::default(), Vec::new(), start);
    for k in 0u32.. {
        let due = first + every * k;
        if due >= end {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let request = request(plan)?;
        let counted_from = if previous_done > due { due } else { Instant::now() };
        stream.write_all(&request).await?;
        match response(&mut stream, &mut buf).await {
            Ok(200) => outcome.latencies.push(counted_from.elapsed()),
            Ok(_) => outcome.errors += 1,
            Err(_) => {
                outcome.errors += 1;
                stream = TcpStream::connect(&plan.addr).await?;
                stream.set_nodelay(true)?;
            }
        }
        previous_done = Instant::now();
    }
    Ok(outcome)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
    sorted.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let plan = std::sync::Arc::new(plan()?);
    let start = Instant::now() + Duration::from_millis(50);
    let tasks: Vec<_> = (0..plan.connections)
        .map(|i| {
            let plan = plan.clone();
            tokio::spawn(async move { connection(&plan, i, start).await })
        })
        .collect();
    let mut all = Outcome::default();
    for task in tasks {
        let outcome = task.await??;
        all.latencies.extend(outcome.latencies);
        all.errors += outcome.errors;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.latencies.sort_unstable();
    let l = &all.latencies;
    // One line, key=value, for the bench script to pick apart.
    println!(
        "target_rps={} achieved_rps={:.0} ok={} errors={} p50_ms={:.3} p90_ms={:.3} p99_ms={:.3} p999_ms={:.3} max_ms={:.3}",
        plan.rate,
        l.len() as f64 / elapsed,
        l.len(),
        all.errors,
        percentile(l, 0.50),
        percentile(l, 0.90),
        percentile(l, 0.99),
        percentile(l, 0.999),
        percentile(l, 1.0)
    );
    Ok(())
}
