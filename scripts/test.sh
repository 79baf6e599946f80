#!/usr/bin/env bash
# Runs Firebreak's whole test suite on a fresh Debian machine: installs and starts what the
# tests need when it is missing (PostgreSQL now), then tests the whole workspace.
#
#   scripts/test.sh            # everything
#   scripts/test.sh -- e2e     # extra arguments go to `cargo test`
set -euo pipefail

cd "$(dirname "$0")/.."
export CI="${CI:-true}"   # tests that need a service fail, not skip, when it is missing

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
  echo "==> installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_postgres() {
  if [ -n "${FIREBREAK_TEST_POSTGRES_URL:-}" ]; then
    echo "==> using Postgres at FIREBREAK_TEST_POSTGRES_URL"
    return
  fi
  command -v pg_ctlcluster >/dev/null || apt_install postgresql
  local version
  version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
  if [ -z "$version" ]; then
    as_root pg_createcluster --start 15 main
    version=15
  fi
  if ! as_root pg_ctlcluster "$version" main status >/dev/null 2>&1; then
    echo "==> starting PostgreSQL $version"
    as_root pg_ctlcluster "$version" main start
  fi
  for _ in $(seq 1 30); do
    as_root su postgres -c "pg_isready -q" && break
    sleep 1
  done
  # A password login over TCP, as the application uses it.
  as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
  export FIREBREAK_TEST_POSTGRES_URL="postgres://postgres:postgres@127.0.0.1:5432/postgres"
}

start_redis() {
  if [ -n "${FIREBREAK_TEST_REDIS_URL:-}" ]; then
    echo "==> using Redis at FIREBREAK_TEST_REDIS_URL"
    return
  fi
  command -v redis-server >/dev/null || apt_install redis-server
  if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
    echo "==> starting Redis"
    redis-server --port 6379 --bind 127.0.0.1 --daemonize yes --save '' --appendonly no >/dev/null
  fi
  for _ in $(seq 1 30); do
    redis-cli -p 6379 ping >/dev/null 2>&1 && break
    sleep 1
  done
  export FIREBREAK_TEST_REDIS_URL="redis://127.0.0.1:6379"
}

start_docker() {
  # Test images are made with `docker import` from Debian's static busybox: no registry needed.
  [ -x /bin/busybox ] || apt_install busybox-static
  if ! docker info >/dev/null 2>&1; then
    command -v dockerd >/dev/null || apt_install docker.io
    echo "==> starting dockerd"
    as_root sh -c 'nohup dockerd >/tmp/firebreak-dockerd.log 2>&1 &'
    for _ in $(seq 1 60); do
      docker info >/dev/null 2>&1 && break
      sleep 1
    done
    docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /tmp/firebreak-dockerd.log"; exit 1; }
  fi
  export FIREBREAK_TEST_DOCKER=1
}

check_tools() {
  # The fake Kubernetes API server is proven against the real kubectl; gcc builds the stub
  # libnvidia-ml the GPU tests load.
  command -v kubectl >/dev/null || { echo "kubectl is required for the tests (kubectl 1.32)"; exit 1; }
  command -v gcc >/dev/null || apt_install gcc
  # The console's browser test drives headless Chromium; the emoji font makes its screenshot
  # (target/console-screenshot.png) show ✅ ⚠️ ❌ rather than empty boxes.
  [ -x /usr/bin/chromium ] || apt_install chromium
  [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || apt_install fonts-noto-color-emoji
}

start_postgres
start_redis
start_docker
check_tools

echo "==> deploy manifests (kustomize renders, RBAC, Slack scopes vs the code)"
scripts/check-deploy.sh

echo "==> cargo test --workspace"
cargo test --workspace --locked "$@"

# CI-sized fuzzing of the untrusted-input edges (cargo-fuzz on stable; see scripts/fuzz.sh).
# FIREBREAK_FUZZ_SECONDS=0 skips it.
if [ "${FIREBREAK_FUZZ_SECONDS:-15}" != 0 ]; then
  echo "==> fuzzing (${FIREBREAK_FUZZ_SECONDS:-15} s per target)"
  scripts/fuzz.sh "${FIREBREAK_FUZZ_SECONDS:-15}"
fi
