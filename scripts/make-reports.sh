#!/usr/bin/env bash
# Regenerates Reports/ from Scenarios/: one folder per scenario with the report files and the
# summary table as printed (summary.txt). Run after any change to the model or a scenario, and
# commit the result: Tests/EndToEndTests compares fresh runs against these files byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release/clustersim}
[ -x "$BIN" ] || swift build -c release --static-swift-stdlib --product clustersim $(./scripts/link-flags.sh)
for f in Scenarios/*.yaml; do
  name=$(sed -n 's/^name:[[:space:]]*\([A-Za-z0-9._-]*\).*/\1/p' "$f" | head -n 1)
  echo "== $f -> Reports/$name" >&2
  rm -rf "Reports/$name"
  mkdir -p "Reports/$name"
  # Exit code 1 (an SLO failed) or 3 (a limit was hit) is a result worth keeping, not a failure here.
  set +e
  "$BIN" run "$f" --out "Reports/$name" --jobs 2 > "Reports/$name/summary.txt"
  code=$?
  set -e
  if [ "$code" -ne 0 ] && [ "$code" -ne 1 ] && [ "$code" -ne 3 ]; then
    echo "clustersim run $f failed with exit code $code" >&2
    exit "$code"
  fi
  # A scenario with a sweep or a plan: their reports too, in sweep/ and plan/.
  for cmd in sweep plan; do
    grep -q "^$cmd:" "$f" || continue
    mkdir -p "Reports/$name/$cmd"
    set +e
    "$BIN" "$cmd" "$f" --out "Reports/$name/$cmd" --jobs 2 > "Reports/$name/$cmd/summary.txt"
    code=$?
    set -e
    if [ "$code" -ne 0 ] && [ "$code" -ne 1 ] && [ "$code" -ne 3 ]; then
      echo "clustersim $cmd $f failed with exit code $code" >&2
      exit "$code"
    fi
  done
done
