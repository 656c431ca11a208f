#!/usr/bin/env bash
# The product's local trainer (two halves, private RNG streams) against a plain TorchSharp loop of the same
# modules, optimizers and data, interleaved in one process: min/median/max steps/s and the ratio of medians.
# Usage: scripts/bench-trainer-vs-plain.sh [preset] [repeats]   (default mlp-mnist 5)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet run -c Release --project tools/bench-plain -- "${1:-mlp-mnist}" "${2:-5}"
