//! A closed-loop burst for `bench/ack-instructions.sh`: sends exactly N signed `/incident help`
//! slash commands over C keep-alive connections, each connection waiting for every answer, and
//! prints how many were answered 200. A fixed count (not a duration) is what makes an
//! instruction count per request repeatable.
//!
//! `SLACK_SIGNING_SECRET=… cargo run --release -p firebreak --example ack_burst -- \
//!     http://127.0.0.1:3101/slack/commands 2000 16` (url, requests, connections)

#[path = "support/signed_http.rs"]
mod signed_http;

use std::sync::Arc;

use anyhow::{bail, Context as _};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

struct Plan {
    addr: String,
    path: String,
    requests: usize,
    connections: usize,
    secret: String,
}

fn plan() -> anyhow::Result<Plan> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, requests, connections] = args.as_slice() else {
        bail!("usage: ack_burst <http://host:port/path> <requests> <connections>");
    };
    let (addr, path) = signed_http::split_url(url)?;
    let connections: usize = connections.parse().context("connections")?;
    if connections == 0 {
        bail!("at least one connection");
    }
    Ok(Plan {
        addr,
        path,
        requests: requests.parse().context("requests")?,
        connections,
        secret: std::env::var("SLACK_SIGNING_SECRET").context("set SLACK_SIGNING_SECRET")?,
    })
}

/// Sends `count` requests one after another on one connection; returns how many got a 200.
async fn connection(plan: &Plan, count: usize) -> anyhow::Result<usize> {
    let mut stream = TcpStream::connect(&plan.addr).await.with_context(|| format!("connecting to {}", plan.addr))?;
    stream.set_nodelay(true)?;
    let (mut ok, mut buf) = (0, Vec::new());
    for _ in 0..count {
        stream.write_all(&signed_http::request(&plan.addr, &plan.path, &plan.secret)?).await?;
        if signed_http::response(&mut stream, &mut buf).await? == 200 {
            ok += 1;
        }
    }
    Ok(ok)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let plan = Arc::new(plan()?);
    // The first `requests % connections` connections send one more, so the total is exact.
    let tasks: Vec<_> = (0..plan.connections)
        .map(|i| {
            let plan = plan.clone();
            let count = plan.requests / plan.connections + usize::from(i < plan.requests % plan.connections);
            tokio::spawn(async move { connection(&plan, count).await })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        ok += task.await??;
    }
    // One line, key=value, for the bench script.
    println!("requests={} ok={ok} errors={}", plan.requests, plan.requests - ok);
    Ok(())
}
