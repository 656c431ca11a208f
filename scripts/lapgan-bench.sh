#!/usr/bin/env bash
# LAPGAN's multi-pair figure (issue 14): the wall time of one lapgan-mnist experiment (its three levels) on a cluster of
# PAIRS generator/discriminator pairs of real node processes on loopback, for each PAIRS given (default "3 1"). Each
# measurement starts a fresh coordinator and the pairs (every worker --torch-threads 1, all under nice), submits the
# pyramid with `gancluster submit` (the parent's id, then one experiment per level), polls `list --sweep <parent>`
# until every level completed, prints the wall time from submit to the last level's completion and each level's
# assigned generator, then stops the nodes (SIGTERM, their own pids only).
#   usage: scripts/lapgan-bench.sh [pairs ...]        (default: 3 1)
#   ROUNDS=N sets each level's rounds (default 200), CHECKPOINT=N the checkpoint interval (default 100),
#   BATCH=N the batch size (default: the preset's 64), NO_BUILD=1 skips the build.
# On a machine with fewer cores than workers the pairs share the cores: the figure is then what the parallel schedule
# gains on that machine, not on as many machines as pairs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
rounds="${ROUNDS:-200}"
checkpoint="${CHECKPOINT:-100}"
[ "${NO_BUILD:-0}" = 1 ] || nice -n 10 dotnet build GanCluster.sln -c Release -v quiet -nologo >/dev/null
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(3 1)
root="runs/lapgan-bench"
mkdir -p "$root"
experiment="$root/lapgan-mnist.json"
nice -n 10 dotnet "$exe" presets >/dev/null  # fails early when the CLI does not start
jq -n --argjson rounds "$rounds" --argjson checkpoint "$checkpoint" --argjson batch "${BATCH:-64}" \
    '{name: "lapgan-bench", model: "lapgan", loss: "lapgan", lapgan: {level: null}, batchSize: $batch, rounds: $rounds,
      checkpointInterval: $checkpoint, seed: 1, device: "cpu"}' >"$experiment"

NODE_NICE=10
source scripts/lib/loopback-nodes.sh

for pairs in "${counts[@]}"; do
    data="$root/cluster-$pairs"
    rm -rf "$data"; mkdir -p "$data/logs"
    port=$(( 20000 + RANDOM % 20000 ))
    contact="127.0.0.1:$port"
    node() { start_node "$1" "$data" "$contact" --set gancluster.quality.enabled=off "${@:2}"; }
    node coordinator --roles coordinator --port "$port"
    for i in $(seq 1 "$pairs"); do
        node "generator-$i" --roles generator --port 0 --torch-threads 1
        node "discriminator-$i" --roles discriminator --port 0 --torch-threads 1
    done
    # Wait until the coordinator's log (compact JSON, one event a line) shows the whole pool.
    pool() { cat "$data"/logs/*coordinator*.json 2>/dev/null | jq -c --argjson n "$pairs" \
        'select((.["@mt"] // "") | startswith("The {0} worker on")) | select(.["2"] == $n and .["3"] == $n)' 2>/dev/null | head -n 1; }
    for _ in $(seq 1 180); do
        [ -n "$(pool)" ] && break
        sleep 1
    done
    [ -n "$(pool)" ] || { echo "the pool of $pairs pairs did not form; see $data/logs" >&2; exit 1; }
    start=$(date +%s.%N)
    mapfile -t ids < <(nice -n 10 dotnet "$exe" submit "$experiment" --contact "$contact")
    parent="${ids[0]}"
    while :; do
        listed=$(nice -n 10 dotnet "$exe" list --sweep "$parent" --json --contact "$contact")
        done_count=$(echo "$listed" | jq -s '[.[] | select(.state == "completed")] | length')
        failed=$(echo "$listed" | jq -s '[.[] | select(.state == "failed" or .state == "diverged")] | length')
        [ "$failed" = 0 ] || { echo "a level failed:"; echo "$listed"; exit 1; }
        [ "$done_count" = 3 ] && break
        sleep 2
    done
    end=$(date +%s.%N)
    printf 'lapgan-mnist (%s rounds per level, batch %s) on %s pair(s): %.1f s from submit to the last level completed\n' \
        "$rounds" "${BATCH:-64}" "$pairs" "$(echo "$end - $start" | bc)"
    cat "$data"/logs/*coordinator*.json | jq -r 'select((.["@mt"] // "") | startswith("Experiment {0} assigned")) | "  \(.["@t"]) \(.["0"]) on generator \(.["1"]) from round \(.["3"])"'
    stop_nodes
done
