#!/usr/bin/env bash
# The semi-supervised GAN's figure (issue 13): trains the ssgan-mnist preset (seed 1, one torch thread, under nice so
# that it shares the machine) with `gancluster train --local`, whose end-of-run evaluation writes evaluation.json, and
# prints D's error on the held-out digits 8000-9999 beside the supervised-only baseline (the same D network and seed,
# trained on the same 100 labels alone), the error on the unlabelled training digits (the figure to select recipes
# on), the wall time and the rounds. Anchors: Improved GAN 0.93% (Salimans et al. 2016, 100 labels, full MNIST),
# CatGAN 1.91%; goal <= 2.0%.
#   usage: scripts/quality-ssgan.sh [seed]            (default seed 1)
#   ROUNDS=N overrides the preset's rounds; REUSE=1 reports a finished run (evaluation.json present) without training.
# A second line prints the samples' figures (Parzen, MNIST FID, classes).
# The run goes to runs/quality/ssgan-mnist-seed<seed>; its wall time is the last line of runs/quality/ssgan-mnist-seed<seed>.log.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
seed="${1:-1}"
run="runs/quality/ssgan-mnist-seed$seed"

if [ "${REUSE:-0}" = 1 ] && [ -f "$run/evaluation.json" ]; then
    wall=$(tail -n 1 "$run.log" | awk '$1 == "wall" { print $2 }')
else
    dotnet build GanCluster.sln -c Release -v quiet -nologo >/dev/null
    mkdir -p runs/quality
    start=$(date +%s)
    nice -n 5 dotnet "$exe" train --local ssgan-mnist --seed "$seed" --out "$run" --force --torch-threads 1 --log-every 250 \
        ${ROUNDS:+--rounds "$ROUNDS"} >"$run.log" 2>&1 || { echo "ssgan-mnist: training failed, see $run.log" >&2; exit 1; }
    wall=$(( $(date +%s) - start ))
    echo "wall $wall s" >>"$run.log"
fi

rounds=$(jq '.rounds' "$run/options.json")
jq -r --argjson wall "$wall" --argjson rounds "$rounds" '.semiSupervised |
    "ssgan-mnist seed '"$seed"': D test error \(.testError * 10000 | round / 100)% on \(.testDigits) held-out digits with \(.labels) labels; " +
    "supervised-only baseline \(.baselineTestError * 10000 | round / 100)% (\(.baselineSteps) steps); " +
    "unlabelled-train error \(.unlabelledTrainError * 10000 | round / 100)% (baseline \(.baselineUnlabelledTrainError * 10000 | round / 100)%); " +
    (if .testErrorWithoutAverage then "D without its weight average \(.testErrorWithoutAverage * 10000 | round / 100)% held out, \(.unlabelledTrainErrorWithoutAverage * 10000 | round / 100)% unlabelled train; " else "" end) +
    "\($rounds) rounds, \($wall) s wall (training + checkpoints + evaluation); anchors: Improved GAN 0.93%, CatGAN 1.91%, goal <= 2.0%"' \
    "$run/evaluation.json"
# The samples, from the average of G with standing statistics (the preset since stop 44; D's figure above never reads G).
jq -r '"ssgan-mnist seed '"$seed"' samples: Parzen \(.parzen.meanLogLikelihood * 10 | round / 10) held out" +
    (if .parzenTrain then " (\(.parzenTrain.meanLogLikelihood * 10 | round / 10) on the training digits)" else "" end) +
    (if .parzenWithoutAverage then ", live G \(.parzenWithoutAverage.meanLogLikelihood * 10 | round / 10)" else "" end) +
    (if .classifier then "; MNIST FID \(.classifier.fid * 10 | round / 10), class KL \(.classifier.classes.klToUniform * 1000 | round / 1000), smallest class \(.classifier.classes.minShare * 1000 | round / 10)%" else "" end) +
    "; goal: Parzen >= 150, class KL <= 0.02, no class under 7%"' "$run/evaluation.json"
