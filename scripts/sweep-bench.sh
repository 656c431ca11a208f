#!/usr/bin/env bash
# Sweep figures of issue 16 on grid25 (preset grid25-pacgan, short runs): a local cluster of 2 generator/discriminator
# pairs (5 processes, workers at --torch-threads 1) runs, one after the other,
#   grid  8 configurations (generator lr x discriminator lr, 4 x 2) x ROUNDS rounds
#   asha  16 random draws from the same ranges, eta 2, rungs at checkpoints (the 16-child sweep of the utilisation figure)
#   asha-grid  the grid's 8 configurations under ASHA, eta 2: the same candidates as the grid, only the compute differs
#   pbt   8 members (the grid's configurations) x ROUNDS rounds, ready at every checkpoint, quartiles, x0.8 / x1.2
# ASHA and PBT decide on METRIC (default the round metric loss/g, min: the mean of the last 10 rounds; an evaluation figure
# such as METRIC=modes.highQualityFraction MODE=max makes them wait at each decision for that checkpoint's evaluation). Every
# sweep's best member is then the one, among those that ran every round, with the most modes captured at its final
# checkpoint, then the highest share of high-quality samples (the coordinator's evaluation, 2,500 samples, as VEEGAN and
# PacGAN count them), with the compute each sweep spent (rounds run, summed over children).
# Run it on an otherwise idle machine: a build or a test beside it slows the rounds and skews the wall times. The script
# asks the coordinator every POLL seconds (default 5; each ask starts a CLI process, about a second of one core), and
# a sweep's wall time ends at the last round any of its children wrote (metrics.jsonl), not at the ask that saw it end.
# Pool utilisation: the sum of the children's round times (time/round_ms in each run folder's metrics.jsonl, every round
# written) over 2 pairs x the sweep's wall time from submission to its last child ending; what is left is idle, pairing,
# loading and waiting for checkpoints.
#   usage: [SWEEPS="grid asha pbt"] [METRIC=loss/g MODE=min] [GRACE=N] [POLL=5] scripts/sweep-bench.sh [ROUNDS (default 600)] [CHECKPOINT_INTERVAL (default 100)]
# SWEEPS picks the sweeps to run (default grid, asha and pbt, in that order; asha-grid on request); SWEEPS=asha gives the
# utilisation figure alone. GRACE is ASHA's first rung (--grace-period; default the first checkpoint).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-600}"
interval="${2:-100}"
sweeps="${SWEEPS:-grid asha pbt}"
metric="${METRIC:-loss/g}"
mode="${MODE:-min}"
poll="${POLL:-5}"
grace=(); [ -n "${GRACE:-}" ] && grace=(--grace-period "$GRACE")
# GANCLUSTER: another build's gancluster.dll (e.g. a copy, so that building meanwhile does not replace the running binaries).
exe="${GANCLUSTER:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
[ -f "$exe" ] || dotnet build src/GanCluster.Cli -c Release -v quiet -nologo >/dev/null
work="$(mktemp -d /tmp/gancluster-sweep-bench-XXXXXX)"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
gc() { nice -n 10 dotnet "$exe" "$@" --contact "127.0.0.1:$port"; }

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT
start() {
    local name="$1"; shift
    nice -n 10 dotnet "$exe" node --data "$work/data" --logs "$work/logs" --seeds "127.0.0.1:$port" "$@" >"$work/$name.out" 2>&1 &
    pids+=($!)
}
mkdir -p "$work/logs"
start coordinator --roles coordinator --port "$port" --set gancluster.quality.samples=2500 --set gancluster.monitoring.metrics-every=1 --set gancluster.monitoring.tensorboard=off
for i in 1 2; do
    start "generator-$i" --roles generator --port 0 --torch-threads 1
    start "discriminator-$i" --roles discriminator --port 0 --torch-threads 1
done
until gc list >/dev/null 2>&1; do sleep 1; done

cat >"$work/grid-space.json" <<'EOF'
{ "seed": 7, "parameters": {
    "generatorOptimizer.learningRate": { "logUniform": [0.001, 0.008], "count": 4 },
    "discriminatorOptimizer.learningRate": { "logUniform": [0.002, 0.008], "count": 2 } } }
EOF
cat >"$work/random-space.json" <<'EOF'
{ "seed": 7, "parameters": {
    "generatorOptimizer.learningRate": { "logUniform": [0.001, 0.008] },
    "discriminatorOptimizer.learningRate": { "logUniform": [0.002, 0.008] } } }
EOF

# Waits until every child of the sweep ended and its final checkpoint was evaluated; prints the sweep's figures as JSON.
measure() {
    local name="$1" sweep="$2" submitted="$3"
    while [ "$(gc sweep status "$sweep" --json | jq '[.rows[].children[] | select(.state != "completed" and .state != "stopped")] | length')" != 0 ]; do sleep "$poll"; done
    while [ "$(gc list --sweep "$sweep" --json | jq -s '[.[] | select((.quality.round // -1) != .lastCheckpointRound)] | length')" != 0 ]; do sleep "$poll"; done
    gc list --sweep "$sweep" --json >"$work/$name-list.jsonl"
    python3 - "$name" "$sweep" "$work" "$submitted" <<'EOF'
import json, os, sys
from datetime import datetime
name, sweep, work, submitted = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
children = [json.loads(l) for l in open(f"{work}/{name}-list.jsonl") if l.strip()]
training_ms, rounds, ended = 0.0, 0, submitted
for c in children:
    path = f"{work}/data/experiments/{c['id']}/metrics.jsonl"
    seen = {}
    for line in open(path):
        row = json.loads(line)
        ended = max(ended, datetime.fromisoformat(row["time"]).timestamp())
        if "time/round_ms" in row:
            seen[row["round"]] = row["time/round_ms"]   # a round re-run after a restart counts once, as the last run
    training_ms += sum(seen.values())
    rounds += c["roundsDone"]
def figure(c, key):
    return ((c.get("quality") or {}).get("evaluation") or {}).get("modes", {}).get(key)
# The best member among those that ran every round (ASHA's stopped children are not results): most modes captured, then
# the highest share of high-quality samples.
finished = [c for c in children if c["roundsDone"] == c["roundsTotal"]] or children
best = max(finished, key=lambda c: (figure(c, "modesCaptured") or -1, figure(c, "highQualityFraction") or -1))
wall = ended - submitted
print(json.dumps({
    "sweep": name, "id": sweep, "children": len(children), "roundsRun": rounds, "wallSeconds": round(wall, 1),
    "best": {"id": best["id"], "name": best["name"], "highQualityFraction": figure(best, "highQualityFraction"),
             "modesCaptured": figure(best, "modesCaptured"), "round": best["quality"]["round"]},
    "poolUtilisation": round(training_ms / 1000.0 / (2 * wall), 3),
}))
EOF
}

run() {
    local name="$1"; shift
    local submitted; submitted=$(date +%s.%N)
    local sweep; sweep=$(gc sweep "$work/base.json" "$@" | head -n 1)
    measure "$name" "$sweep" "$submitted"
}

# The base: the preset with short runs (its learning rate decays to 1e-5 over the run, as in the preset), resolved by a
# one-round local run that writes options.json.
nice -n 10 dotnet "$exe" train grid25-pacgan --rounds 1 --torch-threads 1 --eval-samples 0 --out "$work/preset" >/dev/null
jq --argjson r "$rounds" --argjson c "$interval" '.rounds = $r | .checkpointInterval = $c' "$work/preset/options.json" >"$work/base.json"

{
    for sweep in $sweeps; do
        case "$sweep" in
            grid) run grid --space "$work/grid-space.json" --metric "$metric" --mode "$mode" ;;
            asha) run asha --space "$work/random-space.json" --algorithm asha --budget 16 --eta 2 "${grace[@]}" --metric "$metric" --mode "$mode" ;;
            asha-grid) run asha-grid --space "$work/grid-space.json" --algorithm asha --eta 2 "${grace[@]}" --metric "$metric" --mode "$mode" ;;
            pbt) run pbt --space "$work/grid-space.json" --algorithm pbt --ready "$interval" --metric "$metric" --mode "$mode" ;;
            *) echo "SWEEPS: unknown sweep '$sweep' (grid, asha, asha-grid, pbt)" >&2; exit 2 ;;
        esac
    done
} | tee "$work/figures.jsonl"
echo "figures: $work/figures.jsonl (logs in $work/logs)" >&2
