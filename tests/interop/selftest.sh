#!/usr/bin/env bash
# Peer-vs-peer checks of the interop harnesses: the Python platform (lti1p3platform) launches the
# pylti1p3 tool and, when tests/interop/node_modules is installed, the ltijs tool.
# Uses $INTEROP_PYTHON (else the repo's .venv-interop, else python3) and $INTEROP_NODE_MODULES
# (else tests/interop/node_modules). INTEROP_REQUIRE_LTIJS=1 turns a missing ltijs into a failure.
# Exit status 0 when every check passed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
py="${INTEROP_PYTHON:-}"
if [ -z "$py" ]; then
  if [ -x "$here/../../.venv-interop/bin/python" ]; then py="$here/../../.venv-interop/bin/python"; else py=python3; fi
fi
export INTEROP_NODE_MODULES="${INTEROP_NODE_MODULES:-$here/node_modules}"
exec "$py" "$here/selftest.py" "$@"
