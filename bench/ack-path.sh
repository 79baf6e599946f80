#!/usr/bin/env bash
# Ack-path benchmark: Firebreak vs Bolt for JavaScript vs Bolt for Python vs a bare axum route
# that only verifies the signature (the ceiling), each answering a signed `/incident help`.
#
#   bench/ack-path.sh            # installs what is missing, builds, runs, prints the table
#
# Closed loop: wrk (Debian) with bench/slash.lua at 1, 16 and 64 connections, 10 s each.
# Fixed rate: bot/examples/open_loop.rs at 1,000 requests/s over 16 connections (wrk cannot fix
# the rate and wrk2 is not in Debian), latency counted from each request's slot.
# Every server is pinned to CPU 1 and the load generator to CPU 0 (`taskset`), so each app gets
# one core — Bolt's runtimes use one anyway — and the generator does not steal from it.
# Knobs: BENCH_DURATION (s), BENCH_CONNECTIONS ("1 16 64"), BENCH_RATE (1000), BENCH_APPS.
# Not run in CI: it needs minutes and a quiet machine.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=$ROOT/bench
RUN=$BENCH/.run
DURATION=${BENCH_DURATION:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-"1 16 64"}
RATE=${BENCH_RATE:-1000}
APPS=${BENCH_APPS:-"firebreak ceiling bolt-js bolt-py"}
SERVER_CPU=${BENCH_SERVER_CPU:-1}
LOAD_CPU=${BENCH_LOAD_CPU:-0}
declare -A PORT=([firebreak]=3101 [ceiling]=3102 [bolt-js]=3103 [bolt-py]=3104)
declare -A NAME=([firebreak]=Firebreak [ceiling]="axum ceiling" [bolt-js]=Bolt-JS [bolt-py]=Bolt-Python)

# A random secret per run: nothing real is ever used or printed.
SLACK_SIGNING_SECRET=$(openssl rand -hex 16)
export SLACK_SIGNING_SECRET
BODY='token=bench&team_id=T0BENCH&team_domain=bench&channel_id=C0BENCH&channel_name=bench&user_id=U0BENCH&user_name=bench&command=%2Fincident&text=help&api_app_id=A0BENCH&response_url=http%3A%2F%2F127.0.0.1%3A9%2Fresponse&trigger_id=1.2.3'

say() { printf '%s\n' "$*" >&2; }

sign() { # sign <timestamp> → v0=<hex HMAC-SHA256 of v0:ts:body>
  printf 'v0=%s' "$(printf 'v0:%s:%s' "$1" "$BODY" | openssl dgst -sha256 -hmac "$SLACK_SIGNING_SECRET" -r | cut -d' ' -f1)"
}

post() { # post <port> → the ack body; fails unless 200
  local ts; ts=$(date +%s)
  curl -sf -X POST "http://127.0.0.1:$1/slack/commands" -H 'Content-Type: application/x-www-form-urlencoded' \
    -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $(sign "$ts")" --data-raw "$BODY"
}

setup() {
  command -v wrk >/dev/null || { say "installing wrk (Debian)"; apt-get install -y -qq wrk >/dev/null; }
  if [[ ! -x $BENCH/.venv/bin/uvicorn ]]; then
    say "installing Bolt for Python into bench/.venv"
    python3 -m venv "$BENCH/.venv"
    "$BENCH/.venv/bin/pip" install -q -r "$BENCH/bolt-py/requirements.txt"
  fi
  if [[ ! -d $BENCH/bolt-js/node_modules/@slack/bolt ]]; then
    say "installing Bolt for JavaScript (npm ci)"
    (cd "$BENCH/bolt-js" && npm ci --no-audit --no-fund --silent)
  fi
  say "building Firebreak, the ceiling and the open-loop generator (release)"
  cargo build -q --release -p firebreak --bin firebreak --example ack_ceiling --example open_loop
}

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_ready() { # wait_ready <app>: until a signed help answers 200, 30 s at most
  for _ in $(seq 300); do
    post "${PORT[$1]}" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  say "${NAME[$1]} did not answer on port ${PORT[$1]}; see $RUN/$1.log"
  exit 1
}

start() { # start <app>
  local pin=(taskset -c "$SERVER_CPU")
  case $1 in
    firebreak)
      rm -f "$RUN"/firebreak.db*
      # As deployed: default log level, SQLite, no firebreak.toml. `help` touches neither the store
      # nor Slack; SLACK_API_URL points at a closed port to prove it.
      SLACK_BOT_TOKEN=xoxb-bench SLACK_API_URL=http://127.0.0.1:9/api DATABASE_URL="sqlite://$RUN/firebreak.db" \
        FIREBREAK_CONFIG="$RUN/absent.toml" FIREBREAK_LISTEN=127.0.0.1:${PORT[firebreak]} \
        "${pin[@]}" "$ROOT/target/release/firebreak" serve >"$RUN/firebreak.log" 2>&1 &
      ;;
    ceiling) "${pin[@]}" "$ROOT/target/release/examples/ack_ceiling" "127.0.0.1:${PORT[ceiling]}" >"$RUN/ceiling.log" 2>&1 & ;;
    bolt-js) PORT=${PORT[bolt-js]} BENCH_HELP_JSON=$RUN/help.json NODE_ENV=production \
        "${pin[@]}" node "$BENCH/bolt-js/app.js" >"$RUN/bolt-js.log" 2>&1 & ;;
    bolt-py) (cd "$BENCH/bolt-py" && BENCH_HELP_JSON=$RUN/help.json exec "${pin[@]}" "$BENCH/.venv/bin/uvicorn" app:api \
        --host 127.0.0.1 --port "${PORT[bolt-py]}" --log-level warning --no-access-log) >"$RUN/bolt-py.log" 2>&1 & ;;
  esac
  PIDS+=("$!")
  SERVER_PID[$1]=$!
  wait_ready "$1"
}

cpu_ticks() { # cpu_ticks <pid>: user + system time of the whole process, in clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

declare -A RPS P50 P99 CPU FIXED SERVER_PID
closed_loop() { # closed_loop <app> <connections>
  local ts; ts=$(date +%s)
  local line before
  before=$(cpu_ticks "${SERVER_PID[$1]}")
  line=$(BENCH_BODY=$BODY BENCH_TS=$ts BENCH_SIG=$(sign "$ts") taskset -c "$LOAD_CPU" \
    wrk -t1 -c"$2" -d"${DURATION}s" --timeout 5s -s "$BENCH/slash.lua" "http://127.0.0.1:${PORT[$1]}/slack/commands" | grep '^RESULT')
  say "  ${NAME[$1]} c=$2: $line"
  [[ $line == *" errors=0" ]] || say "  WARNING: ${NAME[$1]} answered errors at c=$2"
  RPS[$1,$2]=$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line")
  P50[$1,$2]=$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line")
  P99[$1,$2]=$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line")
  # Server CPU time per request: unlike req/s, not skewed by whatever else the machine runs.
  CPU[$1,$2]=$(awk -v t="$(($(cpu_ticks "${SERVER_PID[$1]}") - before))" -v hz="$(getconf CLK_TCK)" \
    -v n="$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")" 'BEGIN { printf "%.0f", t / hz * 1e6 / n }')
}

fixed_rate() { # fixed_rate <app>
  local line
  line=$(taskset -c "$LOAD_CPU" "$ROOT/target/release/examples/open_loop" \
    "http://127.0.0.1:${PORT[$1]}/slack/commands" "$RATE" "$DURATION" 16)
  say "  ${NAME[$1]} @${RATE}/s: $line"
  FIXED[$1]=$line
}

field() { sed -E "s/.*$1=([0-9.a-z]+).*/\\1/" <<<"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

setup
mkdir -p "$RUN"
say "machine: $(nproc) cores, $(uname -sr); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
start firebreak
post "${PORT[firebreak]}" >"$RUN/help.json"
jq -e '.blocks | length > 0' "$RUN/help.json" >/dev/null || { say "Firebreak's help ack has no blocks"; exit 1; }
for app in $APPS; do
  [[ $app == firebreak ]] || start "$app"
  # Every app must answer the same help before it is measured.
  post "${PORT[$app]}" | jq -e '.blocks[0].text.text | test("Firebreak")' >/dev/null \
    || { say "${NAME[$app]} does not answer the help blocks"; exit 1; }
done

say "warm-up (2 s each)"
for app in $APPS; do DURATION=2 closed_loop "$app" 16 >/dev/null 2>&1; done
say "closed loop (wrk -t1, ${DURATION} s per run)"
for c in $CONNECTIONS; do for app in $APPS; do closed_loop "$app" "$c"; done; done
say "fixed rate (open_loop, ${RATE} req/s, 16 connections, ${DURATION} s)"
for app in $APPS; do fixed_rate "$app"; done

echo
echo "Ack path: signed /incident help, $(date -u +%F), $(nproc) cores (server on CPU $SERVER_CPU, load on CPU $LOAD_CPU)"
echo
printf '| connections |'; for app in $APPS; do printf ' %s req/s · p50 · p99 (ms) · CPU µs/req |' "${NAME[$app]}"; done; echo
printf '|---|'; for _ in $APPS; do printf -- '---|'; done; echo
for c in $CONNECTIONS; do
  printf '| %s |' "$c"
  for app in $APPS; do printf ' %.0f · %s · %s · %s |' "${RPS[$app,$c]}" "${P50[$app,$c]}" "${P99[$app,$c]}" "${CPU[$app,$c]}"; done
  echo
done
echo
echo "| connections | Firebreak / ceiling | Firebreak / Bolt-JS | Firebreak / Bolt-Python | same, by CPU per request (peer / Firebreak) |"
echo "|---|---|---|---|---|"
for c in $CONNECTIONS; do
  printf '| %s | %s | %s | %s | %s · %s · %s |\n' "$c" "$(ratio "${RPS[firebreak,$c]:-0}" "${RPS[ceiling,$c]:-0}")" \
    "$(ratio "${RPS[firebreak,$c]:-0}" "${RPS[bolt-js,$c]:-0}")" "$(ratio "${RPS[firebreak,$c]:-0}" "${RPS[bolt-py,$c]:-0}")" \
    "$(ratio "${CPU[ceiling,$c]:-0}" "${CPU[firebreak,$c]:-0}")" "$(ratio "${CPU[bolt-js,$c]:-0}" "${CPU[firebreak,$c]:-0}")" \
    "$(ratio "${CPU[bolt-py,$c]:-0}" "${CPU[firebreak,$c]:-0}")"
done
echo
echo "Fixed rate: ${RATE} req/s offered for ${DURATION} s over 16 connections (open_loop)"
echo
echo "| app | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors |"
echo "|---|---|---|---|---|---|---|"
for app in $APPS; do
  l=${FIXED[$app]}
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "${NAME[$app]}" "$(field achieved_rps "$l")" "$(field p50_ms "$l")" \
    "$(field p99_ms "$l")" "$(field p999_ms "$l")" "$(field max_ms "$l")" "$(field errors "$l")"
done
