#!/usr/bin/env bash
# Entry point behind `npm start`, `npm test`, `npm run plugboard` and `npm run bench`:
# bootstrap the toolchain, then hand over to the TypeScript orchestrator running on Node >= 22.17.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/bootstrap.sh
source scripts/bootstrap.sh

mode="${1:-}"
shift || true
case "$mode" in
  start) bootstrap_all start; exec node scripts/dev.ts "$@" ;;
  test)  bootstrap_all test;  exec node scripts/test.ts "$@" ;;
  cli)   bootstrap_all cli;   exec node scripts/cli.ts "$@" ;;
  worker) bootstrap_all cli;  MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" exec node --max-old-space-size=320 --max-semi-space-size=16 workers/main.ts "$@" ;;
  sandbox) bootstrap_all cli; exec node api/sandbox/main.ts "$@" ;;
  bench) bootstrap_all bench; exec node scripts/bench.ts "$@" ;;
  *) echo "usage: scripts/run.sh start|test|cli|worker|sandbox|bench [args]" >&2; exit 2 ;;
esac
