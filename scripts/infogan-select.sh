#!/usr/bin/env bash
# InfoGAN's categorical code depends on the seed (issue 13; Chen et al.'s authors "select codes from multiple runs"). This
# trains the infogan-mnist preset on several seeds (one torch thread each, two at a time, under nice), and picks one run
# WITHOUT reading a label: the run whose Q head carries the most information about the training digits
# (`information` of evaluation.json's infoGan figure: H(mean q) - mean H(q) over the digits 0-7999, in nats, at most
# ln 10 = 2.303). It prints every seed's information and code accuracy (training digits; held-out digits 8000-9999), the
# selected run's held-out accuracy beside the paper's 95%, the mean over the seeds and the best seed by held-out accuracy,
# so the selection can be judged against picking by labels.
#   usage: scripts/infogan-select.sh [seed ...]        (default seeds 1 2 3 4)
#   ROUNDS=N overrides the preset's rounds; REUSE=1 reports runs already finished (evaluation.json present) without training;
#   FINAL_ROUNDS=M then trains the selected run on to M rounds (in a copy, runs/infogan-select/seed<seed>-to-<M>) and
#   prints its figures: choose among short runs, finish only the chosen one;
#   GANCLUSTER_DLL=path runs that gancluster.dll instead of the freshly built one.
# Runs go to runs/infogan-select/seed<seed> (log: runs/infogan-select/seed<seed>.log).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
seeds=("$@")
if [ ${#seeds[@]} -eq 0 ]; then seeds=(1 2 3 4); fi
root=runs/infogan-select
mkdir -p "$root"

if [ -z "${GANCLUSTER_DLL:-}" ]; then
    dotnet build src/GanCluster.Cli -c Release -v quiet -nologo >/dev/null
fi

# run_preset <seed> <run folder> [train option ...]: the preset into that folder, one thread, log beside it. The
# end-of-run evaluation writes the infoGan figure; 100 samples keep its sample figures (not used here) short.
run_preset() {
    local seed=$1 run=$2
    shift 2
    nice -n 5 dotnet "$exe" train --local infogan-mnist --seed "$seed" --out "$run" --torch-threads 1 \
        --log-every 500 --eval-samples 100 "$@" >"$run.log" 2>&1 \
        || { echo "infogan-mnist seed $seed: training failed, see $run.log" >&2; return 1; }
}

train() {
    local seed=$1 run="$root/seed$1"
    if [ "${REUSE:-0}" = 1 ] && [ -f "$run/evaluation.json" ]; then return 0; fi
    run_preset "$seed" "$run" --force ${ROUNDS:+--rounds "$ROUNDS"}
}

# Two runs at a time (a 2-core machine): seeds at even positions in one queue, odd ones in the other.
pids=()
for lane in 0 1; do
    (
        for i in "${!seeds[@]}"; do
            if [ $((i % 2)) -eq "$lane" ]; then train "${seeds[$i]}"; fi
        done
    ) &
    pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

for seed in "${seeds[@]}"; do
    if [ ! -f "$root/seed$seed/evaluation.json" ]; then
        echo "seed $seed: no evaluation.json in $root/seed$seed (see $root/seed$seed.log)" >&2
        exit 1
    fi
done
rows=$(for seed in "${seeds[@]}"; do
    jq -r --arg seed "$seed" '.infoGan | "\($seed) \(.train.information) \(.train.accuracy) \(.heldOut.accuracy)"' "$root/seed$seed/evaluation.json"
done)
# The choice: the most information (the first such seed on a tie); no label is read.
pick=$(awk 'NR == 1 || $2 > best { best = $2; seed = $1 } END { print seed }' <<<"$rows")
awk -v pick="$pick" '
    BEGIN { printf "%-6s %-12s %-12s %-12s\n", "seed", "information", "train", "held-out" }
    { printf "%-6s %-12.4f %-12s %-12s\n", $1, $2, sprintf("%.2f%%", $3 * 100), sprintf("%.2f%%", $4 * 100)
      n++; sum += $4
      if ($1 == pick) pickAcc = $4
      if (n == 1 || $4 > bestAcc) { bestAcc = $4; bestSeed = $1 } }
    END {
        printf "selected by information (no label read): seed %s, held-out code accuracy %.2f%% (paper 95%%, goal >= 95%%)\n", pick, pickAcc * 100
        printf "mean over the %d seeds %.2f%%; best seed by held-out accuracy (labels read, for comparison only): %s, %.2f%%\n", n, sum / n * 100, bestSeed, bestAcc * 100
    }' <<<"$rows"

# Optionally the selected run trains on (a copy of it, so the table above stays the seeds' at equal rounds).
if [ -n "${FINAL_ROUNDS:-}" ]; then
    continued="$root/seed$pick-to-$FINAL_ROUNDS"
    if [ "${REUSE:-0}" != 1 ] || ! jq -e --argjson r "$FINAL_ROUNDS" '.round == $r' "$continued/evaluation.json" >/dev/null 2>&1; then
        rm -rf "$continued"
        cp -r "$root/seed$pick" "$continued"
        rm -f "$continued/evaluation.json"
        run_preset "$pick" "$continued" --resume --rounds "$FINAL_ROUNDS" || exit 1
    fi
    jq -r --arg seed "$pick" --arg rounds "$FINAL_ROUNDS" '.infoGan | "selected seed \($seed) trained on to \($rounds) rounds: information \(.train.information * 10000 | round / 10000), code accuracy train \(.train.accuracy * 10000 | round / 100)%, held out \(.heldOut.accuracy * 10000 | round / 100)% (paper 95%)"' "$continued/evaluation.json"
fi
