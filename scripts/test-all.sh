#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine, then runs every test.
# The README's second set-up command; .ci/run calls this same script.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
dpkg -s libssl-dev >/dev/null 2>&1 || need_apt+=(libssl-dev)
# A real browser for the platform-storage (postMessage) launch test.
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${need_apt[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

# Python peers for the LTI interop tests (installed into a project-local venv).
if [ -f tests/interop/requirements.txt ]; then
  echo "== installing Python peers"
  python3 -m venv .venv-interop
  .venv-interop/bin/pip install -q --disable-pip-version-check -r tests/interop/requirements.txt
  export INTEROP_PYTHON="$PWD/.venv-interop/bin/python"
fi

# Node peers (ltijs) for the LTI interop tests.
if [ -f tests/interop/package.json ]; then
  echo "== installing Node peers"
  (cd tests/interop && npm install --no-audit --no-fund --loglevel=error)
  export INTEROP_NODE_MODULES="$PWD/tests/interop/node_modules"
fi

if [ -n "${INTEROP_PYTHON:-}" ] && [ -d tests/interop/node_modules ]; then
  echo "== interop peers against each other"
  INTEROP_REQUIRE_LTIJS=1 bash tests/interop/selftest.sh
fi

# The browser test must run, not skip, here.
export INTEROP_REQUIRE_BROWSER=1

echo "== tests"
cargo test --workspace --all-targets --locked
echo "== doc tests"
cargo test --workspace --doc --locked
echo "== benches compile"
cargo bench --workspace --no-run --locked
