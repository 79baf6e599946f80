#!/usr/bin/env bash
# Product benchmarks: /incident start → card (latency, Slack round trips), start-up to ready,
# idle RSS and RSS with 1,000 open incidents (tests/benches/product.rs, against the release
# binary), diagnostics fan-out with a hung target and postmortem rendering at 10,000 events
# (commands/benches). Not run in CI.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(uname -sr); load average now: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%F)"
cargo build -q --release -p firebreak --bin firebreak
echo; echo "== tests/benches/product.rs"
cargo bench -q -p firebreak-tests --bench product
echo; echo "== commands/benches/diagnostics_fanout.rs"
cargo bench -q -p firebreak-commands --features testing --bench diagnostics_fanout
echo; echo "== commands/benches/postmortem_render.rs"
cargo bench -q -p firebreak-commands --features testing --bench postmortem_render
