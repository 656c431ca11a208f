#!/usr/bin/env bash
# The README's first command. Installs prerequisites, builds, then runs the main job on the embedded
# defaults: a local cluster (coordinator, generator and discriminator as three processes on loopback),
# SQLite persistence and the bundled MNIST digits. It submits the mlp-mnist experiment through the CLI,
# follows it to completion, downloads its sample grid and stops the cluster.
# Everything lands in runs/quickstart/: coordinator.db (journal), checkpoints.db (checkpoints), logs/, samples.png.
# Usage: scripts/quickstart.sh [experiment.json | preset]   (default: cluster-config/experiments/mlp-mnist.json)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

experiment="${1:-cluster-config/experiments/mlp-mnist.json}"
scripts/install-prerequisites.sh
dotnet build GanCluster.sln -c Release -v quiet -nologo
scripts/fix-torchsharp.sh

out="runs/quickstart"
rm -rf "$out"
mkdir -p "$out"
port="${GANCLUSTER_QUICKSTART_PORT:-4053}"
exe="src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
gancluster() { dotnet "$exe" "$@"; }

scripts/start-local-cluster.sh --data "$out" --port "$port" >"$out/cluster.out" 2>&1 &
cluster=$!
trap 'kill -TERM $cluster 2>/dev/null; wait $cluster 2>/dev/null || true' EXIT

echo "waiting for the local cluster on 127.0.0.1:$port ..."
for _ in $(seq 1 120); do
    grep -q "(1 generators, 1 discriminators)" "$out/logs/coordinator.out" 2>/dev/null && break
    sleep 1
done
grep -q "(1 generators, 1 discriminators)" "$out/logs/coordinator.out" || { echo "the cluster did not start; see $out/logs" >&2; exit 1; }

id=$(gancluster submit "$experiment" --contact "127.0.0.1:$port")
echo "submitted $experiment as $id"
while true; do
    status=$(gancluster status "$id" --contact "127.0.0.1:$port")
    state=$(awk '/^state:/ {print $2}' <<<"$status")
    echo "$(date +%H:%M:%S) $(grep -E '^(rounds|latest):' <<<"$status" | tr -s ' ' | paste -sd ' ')"
    case "$state" in completed|failed|cancelled|diverged) break ;; esac
    sleep 5
done
echo "$status"
gancluster samples "$id" --contact "127.0.0.1:$port" --out "$out/samples.png"
gancluster list --contact "127.0.0.1:$port"
echo "done: sample grid $out/samples.png, checkpoints in $out/checkpoints.db, logs in $out/logs/"
[ "$state" = completed ]
