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

start_postgres

echo "==> cargo test --workspace"
cargo test --workspace --locked "$@"
