#!/usr/bin/env bash
# Issue 11's time goal for the grid ("each seed within 5 minutes on this 2-core machine"), measured the two ways a user
# can run the preset, one after the other on the same machine:
#   local    `gancluster train --local grid25-pacgan --seed S --torch-threads 2` (both halves in one process; wall time
#            from start to exit, the final evaluation included);
#   cluster  a coordinator, a generator and a discriminator as three processes on loopback (what
#            scripts/start-local-cluster.sh starts: one torch thread per worker, so G's and D's work can run on the two
#            cores at once), `gancluster submit grid25-pacgan --seed S`, followed with `watch` until it ends; wall time
#            from submit to the end (the cluster's start-up excluded, as it is paid once for many experiments).
# Then it scores the cluster run's final checkpoint (`gancluster evaluate <id>`) and the local run's, which must agree
# (the split is exact), and prints both wall times and their ratio.
#   usage: scripts/bench-grid25.sh [seed]      (default 2)
#   PRESET=name another preset (default grid25-pacgan), ROUNDS=N a shorter run (a smoke test), NO_BUILD=1 skips the build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seed="${1:-2}"
preset="${PRESET:-grid25-pacgan}"
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
[ "${NO_BUILD:-0}" = 1 ] || dotnet build src/GanCluster.Cli -c Release -v quiet -nologo >/dev/null
root="runs/bench-grid25"
rm -rf "$root"; mkdir -p "$root/cluster/logs"
rounds=(); [ -z "${ROUNDS:-}" ] || rounds=(--rounds "$ROUNDS")

start=$(date +%s.%N)
dotnet "$exe" train --local "$preset" --seed "$seed" "${rounds[@]}" --out "$root/local" --torch-threads 2 --log-every 5000 >"$root/local.log" 2>&1
local_seconds=$(echo "$(date +%s.%N) - $start" | bc)
figure() { jq -r '"high-quality samples \(.modes.highQualityFraction * 10000 | round / 100) %, \(.modes.modesCaptured) modes"' "$1"; }
local_figure=$(figure "$root/local/evaluation.json")

source scripts/lib/loopback-nodes.sh
port=$(( 20000 + RANDOM % 20000 ))
contact="127.0.0.1:$port"
data="$root/cluster"
node() { start_node "$1" "$data" "$contact" "${@:2}"; }
node coordinator --roles coordinator --port "$port"
node generator --roles generator --port 0 --torch-threads 1
node discriminator --roles discriminator --port 0 --torch-threads 1
for _ in $(seq 1 300); do
    grep -q "(1 generators, 1 discriminators)" "$data/logs/coordinator.out" 2>/dev/null && break
    sleep 1
done
grep -q "(1 generators, 1 discriminators)" "$data/logs/coordinator.out" || { echo "the cluster did not form; see $data/logs" >&2; exit 1; }

start=$(date +%s.%N)
id=$(dotnet "$exe" submit "$preset" --seed "$seed" "${rounds[@]}" --contact "$contact")
# One watching process (refreshing every second) rather than a new status process a second, which would take CPU from
# the run it times; it exits when the experiment ends.
dotnet "$exe" watch "$id" --interval 1 --plain --contact "$contact" >"$root/watch.log" 2>&1 || true
cluster_seconds=$(echo "$(date +%s.%N) - $start" | bc)
state=$(dotnet "$exe" status "$id" --contact "$contact" | awk '/^state:/ {print $2}')
[ "$state" = completed ] || { echo "the cluster run ended $state; see $data/logs and $root/watch.log" >&2; exit 1; }
dotnet "$exe" evaluate "$id" --contact "$contact" --out "$root/cluster-evaluation.json" --torch-threads 1 >"$root/cluster-evaluate.log" 2>&1
cluster_figure=$(figure "$root/cluster-evaluation.json")

printf '%s seed %s, %s rounds, %s cores\n' "$preset" "$seed" "${ROUNDS:-$(dotnet "$exe" presets | awk -F'\t' -v p="$preset" '$1 == p {print $3}')}" "$(nproc)"
printf '  local, 2 torch threads:          %6.1f s  (%s)\n' "$local_seconds" "$local_figure"
printf '  cluster, G and D 1 thread each:  %6.1f s  (%s; id %s)\n' "$cluster_seconds" "$cluster_figure" "$id"
printf '  cluster / local: %.2f\n' "$(echo "$cluster_seconds / $local_seconds" | bc -l)"
