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

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use hmac::{Hmac, Mac};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BODY: &str = "token=bench&team_id=T0BENCH&team_domain=bench&channel_id=C0BENCH&channel_name=bench\
&user_id=U0BENCH&user_name=bench&command=%2Fincident&text=help\
&api_app_id=A0BENCH&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fresponse&trigger_id=1.2.3";

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
    let rest = url.strip_prefix("http://").context("only http:// URLs")?;
    let (addr, path) = rest.split_once('/').context("the URL needs a path")?;
    Ok(Plan {
        addr: addr.to_owned(),
        path: format!("/{path}"),
        rate: rate.parse().context("requests per second")?,
        seconds: seconds.parse().context("seconds")?,
        connections: connections.parse().context("connections")?,
        secret: std::env::var("SLACK_SIGNING_SECRET").context("set SLACK_SIGNING_SECRET")?,
    })
}

fn request(plan: &Plan) -> anyhow::Result<Vec<u8>> {
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs().to_string();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(plan.secret.as_bytes())?;
    mac.update(format!("v0:{timestamp}:{BODY}").as_bytes());
    let signature = hex::encode(mac.finalize().into_bytes());
    Ok(format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: v0={signature}\r\n\r\n{BODY}",
        plan.path,
        plan.addr,
        BODY.len()
    )
    .into_bytes())
}

/// Reads one HTTP/1.1 response (Content-Length or chunked); returns its status.
async fn response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<u16> {
    buf.clear();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed");
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end])?.to_ascii_lowercase();
    let status: u16 = head.get(9..12).context("status line")?.parse()?;
    let length = head.lines().find_map(|l| l.strip_prefix("content-length:")).map(|v| v.trim().parse::<usize>());
    let done = |buf: &[u8]| match &length {
        Some(Ok(n)) => buf.len() >= head_end + n,
        _ => buf[head_end..].ends_with(b"0\r\n\r\n"),
    };
    while !done(buf) {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed mid-body");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(status)
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
