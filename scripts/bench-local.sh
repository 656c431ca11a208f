#!/usr/bin/env bash
# Steps per second of the local trainer (both halves in one process) on this machine:
#   - Goodfellow's MNIST MLP (maxout D with dropout), batch 100;
#   - DCGAN 64x64, batch 16.
# Each model trains for a warm-up window and then several measured windows of rounds; the script prints
# min / median / max steps per second over the measured windows. Usage: scripts/bench-local.sh [windows]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
windows="${1:-4}"
exe="src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
dotnet build src/GanCluster.Cli -c Release -v quiet -nologo >/dev/null
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

bench() {
    local name="$1" preset="$2" batch="$3" window="$4"
    local rounds=$(( window * (windows + 1) ))
    dotnet "$exe" train --local "$preset" --batch-size "$batch" --rounds "$rounds" --checkpoint-interval 0 \
        --log-every "$window" --eval-samples 0 --device cpu --out "$out/$name" 2>&1 \
        | grep -oE '[0-9.]+ steps/s' | awk '{print $1}' | tail -n "$windows" | sort -g \
        | awk -v name="$name" '{ v[NR] = $1 } END { printf "%-22s min %6.2f  median %6.2f  max %6.2f steps/s  (%d windows)\n", name, v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR], NR }'
}

echo "local trainer, $(nproc) cores, TorchSharp CPU"
bench "mlp-mnist batch 100" mlp-mnist 100 200
# The spec file (the plain recipe bench.sh compares with PyTorch), not the preset with its average of G and R1 penalty.
bench "dcgan-64 batch 16" cluster-config/experiments/dcgan-64.json 16 10
