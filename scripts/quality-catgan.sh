#!/usr/bin/env bash
# CatGAN's figures (issue 13): trains a CatGAN preset (seed 1, one torch thread, under nice so that it shares the
# machine) with `gancluster train --local`, whose end-of-run evaluation writes evaluation.json, and prints D's figures
# on the held-out digits 8000-9999: the clustering error (best one-to-one matching of D's 10 classes to the labels;
# catgan-mnist-20: each of its 20 classes counted as its most frequent digit) and, for the labelled preset, the plain
# test error; beside them the same figures on the unlabelled training digits (the figures to select recipes on), the
# wall time and the rounds. Anchors (Springenberg 2016, full MNIST): 1.91% error with 100 labels; 4.27% unsupervised
# clustering error with 20 clusters.
#   usage: scripts/quality-catgan.sh [preset] [seed]     (preset catgan-mnist, catgan-mnist-20 or catgan-mnist-100; default catgan-mnist, seed 1)
#   ROUNDS=N overrides the preset's rounds; NO_BUILD=1 skips the build (GANCLUSTER_DLL=path runs another copy of the CLI); REUSE=1 reports a finished run (evaluation.json present) without training.
# The run goes to runs/quality/<preset>-seed<seed>; its wall time is the last line of runs/quality/<preset>-seed<seed>.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
preset="${1:-catgan-mnist}"
seed="${2:-1}"
case "$preset" in
    catgan-mnist|catgan-mnist-20) anchor="paper 4.27% unsupervised clustering error, 20 clusters" ;;
    catgan-mnist-100) anchor="paper 1.91% test error with 100 labels" ;;
    *) echo "usage: $0 [catgan-mnist|catgan-mnist-20|catgan-mnist-100] [seed]" >&2; exit 2 ;;
esac
run="runs/quality/$preset-seed$seed"

if [ "${REUSE:-0}" = 1 ] && [ -f "$run/evaluation.json" ]; then
    wall=$(tail -n 1 "$run.log" | awk '$1 == "wall" { print $2 }')
else
    [ "${NO_BUILD:-0}" = 1 ] || nice -n 5 dotnet build GanCluster.sln -c Release -v quiet -nologo >/dev/null
    mkdir -p runs/quality
    start=$(date +%s)
    nice -n 5 dotnet "$exe" train --local "$preset" --seed "$seed" --out "$run" --force --torch-threads 1 --log-every 250 \
        ${ROUNDS:+--rounds "$ROUNDS"} >"$run.log" 2>&1 || { echo "$preset: training failed, see $run.log" >&2; exit 1; }
    wall=$(( $(date +%s) - start ))
    echo "wall $wall s" >>"$run.log"
fi

rounds=$(jq '.rounds' "$run/options.json")
jq -r --argjson wall "$wall" --argjson rounds "$rounds" '.catGan |
    def pct: . * 10000 | round / 100;
    "'"$preset"' seed '"$seed"': D clustering error \(.clusteringError | pct)% on \(.testDigits) held-out digits" +
    (if .testError == null then "" else ", test error \(.testError | pct)% with \(.labels) labels" end) +
    "; unlabelled-train clustering error \(.unlabelledTrainClusteringError | pct)%" +
    (if .unlabelledTrainError == null then "" else " (plain \(.unlabelledTrainError | pct)%)" end) +
    "; class sizes \(.classSizes | map(tostring) | join("/")); \($rounds) rounds, \($wall) s wall (training + checkpoints + evaluation); '"$anchor"'"' \
    "$run/evaluation.json"
