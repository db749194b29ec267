#!/usr/bin/env bash
# One command: build clustersim (release) and run the benchmark beside C, SimPy and Ciw.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --product clustersim $(./scripts/link-flags.sh) >&2
exec python3 Benchmarks/run.py "$@"
