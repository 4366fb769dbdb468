#!/usr/bin/env bash
# The breaking-change gate of CI: the model of this commit against the previous commit's.
# A breaking contract change (lake contract diff lists them) fails it unless the contract's
# major version declares it. Without a previous commit to compare with (a shallow clone, an
# export without git, the first commit) it says so and checks nothing.
# CONTRACT_GATE_BASE overrides the revision compared with (e.g. the last commit CI verified);
# LAKE runs the lake CLI (default: bin/lake of this checkout).
set -uo pipefail
cd "$(dirname "$0")/.."
base="${CONTRACT_GATE_BASE:-HEAD~1}"
lake="${LAKE:-bin/lake}"

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "contract gate: not checked: this checkout is not a git work tree, so there is no previous commit to compare the contracts with"
  exit 0
fi
if ! git rev-parse --verify --quiet "${base}^{commit}" >/dev/null; then
  why="it has no commit ${base}"
  [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = "true" ] && why="it is a shallow clone without ${base} (git fetch --deepen=1 gives the gate its history)"
  echo "contract gate: not checked: ${why}; no contract change was compared"
  exit 0
fi
echo "contract gate: the contracts and rules of this commit against ${base} ($(git rev-parse --short "${base}"))"
"$lake" contract diff --base "$base" "$@"
