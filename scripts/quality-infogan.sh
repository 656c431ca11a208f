#!/usr/bin/env bash
# InfoGAN's figure (issue 13): trains the infogan-mnist preset (seed 1, one torch thread, under nice so that it shares
# the machine) with `gancluster train --local`, whose end-of-run evaluation writes evaluation.json, and prints the
# categorical code's accuracy as an unsupervised classifier of the held-out digits 8000-9999 (best one-to-one matching
# of code values to labels) beside the paper's 95% (Chen et al. 2016: 5% error on MNIST), the same accuracy on the
# training digits 0-7999 (the figure to select recipes on; the held-out one is only reported), the held-out figure with
# D's BatchNorm running statistics (the figures before use statistics recomputed on the training digits), the wall time
# and the rounds. The run folder's samples/round-N.png are the traversal grids (rows: categorical value, columns: c2 from -2 to 2).
#   usage: scripts/quality-infogan.sh [seed]            (default seed 1)
#   ROUNDS=N overrides the preset's rounds; REUSE=1 reports a finished run (evaluation.json present) without training;
#   GANCLUSTER_DLL=path runs that gancluster.dll instead of the freshly built one (e.g. a copy, so rebuilding the tree
#   during a long run cannot replace the files under it).
# The run goes to runs/quality/infogan-mnist-seed<seed>; its wall time is the last line of runs/quality/infogan-mnist-seed<seed>.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
seed="${1:-1}"
run="runs/quality/infogan-mnist-seed$seed"

if [ "${REUSE:-0}" = 1 ] && [ -f "$run/evaluation.json" ]; then
    wall=$(tail -n 1 "$run.log" | awk '$1 == "wall" { print $2 }')
else
    if [ -z "${GANCLUSTER_DLL:-}" ]; then
        dotnet build GanCluster.sln -c Release -v quiet -nologo >/dev/null
    fi
    mkdir -p runs/quality
    start=$(date +%s)
    nice -n 5 dotnet "$exe" train --local infogan-mnist --seed "$seed" --out "$run" --force --torch-threads 1 --log-every 250 \
        ${ROUNDS:+--rounds "$ROUNDS"} >"$run.log" 2>&1 || { echo "infogan-mnist: training failed, see $run.log" >&2; exit 1; }
    wall=$(( $(date +%s) - start ))
    echo "wall $wall s" >>"$run.log"
fi

rounds=$(jq '.rounds' "$run/options.json")
jq -r --argjson wall "$wall" --argjson rounds "$rounds" '.infoGan |
    "infogan-mnist seed '"$seed"': categorical code accuracy \(.heldOut.accuracy * 10000 | round / 100)% (error \(.heldOut.error * 10000 | round / 100)%) on \(.heldOut.count) held-out digits; " +
    "paper 95% (5% error), goal >= 95%; training digits \(.train.accuracy * 10000 | round / 100)% (\(.train.count) digits, select recipes on this); " +
    "code -> digit \(.heldOut.assignment | to_entries | map("\(.key):\(.value)") | join(" ")); " +
    (if .heldOutRunningStatistics then "with D'"'"'s running BatchNorm statistics instead of the training digits'"'"' \(.heldOutRunningStatistics.accuracy * 10000 | round / 100)% held out; " else "" end) +
    "\($rounds) rounds, \($wall) s wall (training + checkpoints + evaluation)"' \
    "$run/evaluation.json"
