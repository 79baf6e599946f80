#!/usr/bin/env bash
# Ack-path CPU as a repeatable count: instructions per signed `/incident help`, Firebreak vs the
# ceiling (a bare axum route that only verifies the signature, bot/examples/ack_ceiling.rs).
#
#   bench/ack-instructions.sh     # builds (release), runs both under callgrind, prints the table
#
# Each server runs under `valgrind --tool=callgrind` (this machine's `perf stat -e instructions`
# reports "not supported"). After a warm-up burst the counters are zeroed (`callgrind_control
# -z`), exactly N requests are sent closed-loop over C keep-alive connections
# (bot/examples/ack_burst.rs), and the counters are dumped (`callgrind_control -d`): the total
# over all the server's threads, divided by N. Unlike req/s or CPU time this does not depend on
# what else the machine runs, so before/after figures compare across runs.
# Knobs: BENCH_REQUESTS (2000), BENCH_WARMUP (200), BENCH_CONNECTIONS ("1 16"), BENCH_APPS,
# BENCH_FIREBREAK_BIN / BENCH_CEILING_BIN (other builds to count, e.g. a copy made before a change).
# Not run in CI (valgrind makes it take a minute or two).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=$ROOT/bench/.run/instructions
REQUESTS=${BENCH_REQUESTS:-2000}
WARMUP=${BENCH_WARMUP:-200}
CONNECTIONS=${BENCH_CONNECTIONS:-"1 16"}
APPS=${BENCH_APPS:-"firebreak ceiling"}
declare -A PORT=([firebreak]=3111 [ceiling]=3112)
declare -A NAME=([firebreak]=Firebreak [ceiling]="axum ceiling")
declare -A IPR

# A random secret per run: nothing real is ever used or printed.
SLACK_SIGNING_SECRET=$(openssl rand -hex 16)
export SLACK_SIGNING_SECRET

say() { printf '%s\n' "$*" >&2; }

command -v valgrind >/dev/null || { say "valgrind is needed (Debian: apt-get install valgrind)"; exit 1; }
say "building Firebreak, the ceiling and the burst client (release)"
cargo build -q --release -p firebreak --bin firebreak --example ack_ceiling --example ack_burst
BURST=$ROOT/target/release/examples/ack_burst
FIREBREAK_BIN=${BENCH_FIREBREAK_BIN:-$ROOT/target/release/firebreak}
CEILING_BIN=${BENCH_CEILING_BIN:-$ROOT/target/release/examples/ack_ceiling}
rm -rf "$RUN" && mkdir -p "$RUN"

SERVER=
cleanup() { [[ -z $SERVER ]] || kill "$SERVER" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

url() { echo "http://127.0.0.1:${PORT[$1]}/slack/commands"; }

start() { # start <app>: under callgrind; returns once a signed help answers 200 (2 min at most)
  local vg=(valgrind --tool=callgrind --callgrind-out-file="$RUN/$1.out.%p")
  case $1 in
    firebreak)
      # As deployed: default log level, SQLite, no firebreak.toml; `help` touches neither the
      # store nor Slack (SLACK_API_URL is a closed port).
      SLACK_BOT_TOKEN=xoxb-bench SLACK_API_URL=http://127.0.0.1:9/api DATABASE_URL="sqlite://$RUN/firebreak.db" \
        FIREBREAK_CONFIG="$RUN/absent.toml" FIREBREAK_LISTEN=127.0.0.1:${PORT[firebreak]} \
        "${vg[@]}" "$FIREBREAK_BIN" serve >"$RUN/firebreak.log" 2>&1 &
      ;;
    ceiling) "${vg[@]}" "$CEILING_BIN" "127.0.0.1:${PORT[ceiling]}" >"$RUN/ceiling.log" 2>&1 & ;;
  esac
  SERVER=$!
  for _ in $(seq 600); do
    [[ $("$BURST" "$(url "$1")" 1 1 2>/dev/null) == *" ok=1 "* ]] && return 0
    kill -0 "$SERVER" 2>/dev/null || break
    sleep 0.2
  done
  say "${NAME[$1]} did not answer; see $RUN/$1.log"
  exit 1
}

stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; }

count() { # count <app> <connections>: instructions per request over exactly $REQUESTS
  local line dump before
  "$BURST" "$(url "$1")" "$WARMUP" "$2" >/dev/null
  callgrind_control -z "$SERVER" >/dev/null 2>&1
  line=$("$BURST" "$(url "$1")" "$REQUESTS" "$2")
  [[ $line == *" errors=0" ]] || { say "${NAME[$1]} c=$2: $line"; exit 1; }
  before=$(ls "$RUN" | grep -c "^$1.out" || true)
  callgrind_control -d "$SERVER" >/dev/null 2>&1
  # The newest dump holds the counts since the zeroing, summed over the server's threads.
  dump=$(ls -t "$RUN/$1".out.* | head -1)
  [[ $(ls "$RUN" | grep -c "^$1.out") -gt $before ]] || { say "no callgrind dump for ${NAME[$1]}"; exit 1; }
  IPR[$1,$2]=$(awk -v n="$REQUESTS" '/^(summary|totals):/ { t = $2 } END { printf "%.0f", t / n }' "$dump")
  say "  ${NAME[$1]} c=$2: ${IPR[$1,$2]} instructions per request ($line)"
}

say "machine: $(nproc) cores, $(uname -sr); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
for app in $APPS; do
  say "${NAME[$app]} under callgrind"
  start "$app"
  for c in $CONNECTIONS; do count "$app" "$c"; done
  stop
done

echo
echo "Ack-path instructions per signed /incident help, $(date -u +%F), $REQUESTS requests after $WARMUP warm-up (callgrind)"
echo
printf '| connections |'; for app in $APPS; do printf ' %s |' "${NAME[$app]}"; done; echo ' Firebreak / ceiling |'
printf '|---|'; for _ in $APPS; do printf -- '---|'; done; echo '---|'
for c in $CONNECTIONS; do
  printf '| %s |' "$c"
  for app in $APPS; do printf " %'d |" "${IPR[$app,$c]:-0}"; done
  awk -v a="${IPR[firebreak,$c]:-0}" -v b="${IPR[ceiling,$c]:-0}" 'BEGIN { if (b > 0) printf " %.2f |\n", a / b; else print " - |" }'
done
