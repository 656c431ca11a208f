#!/usr/bin/env bash
# GRAN's figures (issue 14): trains gran-mnist and the DCGAN of the same recipe (scripts/specs/dcgan-mnist-gran-recipe.json:
# the same D, objective, optimizers, batch, rounds and average of G; G of 1.74M vs 1.78M parameters) side
# by side in the background (seed 1, one torch thread each, under nice so that they share the machine), then scores both
# on the held-out digits 8000-9999 with `gancluster evaluate` (Parzen window: sigma chosen on 8000-8999, log-likelihood
# reported on 9000-9999) and compares them with GAM (`gancluster compare gran dcgan`: swap the discriminators, error
# ratios on the held-out digits and on the other's samples).
# Anchor (Im et al. 2016): the paper compares GRAN with DCGAN by GAM itself (a verdict needs r_test near 1); it gives no Parzen figure.
#   usage: scripts/quality-gran.sh [seed]        (default seed 1)
#   ROUNDS=N overrides the presets' rounds (both); NO_BUILD=1 skips the build; TRAIN_ONLY=1 stops after training;
#   REUSE=1 skips training when both run folders hold a checkpoint of the final round; SAMPLES=N for evaluate (10000).
# Runs go to runs/quality/<preset>-seed<seed> with logs beside them (<run>.log, wall time on its last line).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
seed="${1:-1}"
samples="${SAMPLES:-10000}"
presets=(gran-mnist dcgan-mnist-gran-recipe)
experiment() { [ "$1" = gran-mnist ] && echo gran-mnist || echo "scripts/specs/$1.json"; }

finished() { # a run folder whose newest checkpoint is its final round's
    local run=$1 rounds
    [ -f "$run/options.json" ] || return 1
    rounds=$(jq '.rounds' "$run/options.json")
    [ -f "$run/checkpoints/$(printf 'round-%06d.ckpt' "$rounds")" ]
}

[ "${NO_BUILD:-0}" = 1 ] || nice -n 5 dotnet build GanCluster.sln -c Release -v quiet -nologo >/dev/null
mkdir -p runs/quality
pids=()
for preset in "${presets[@]}"; do
    run="runs/quality/$preset-seed$seed"
    if [ "${REUSE:-0}" = 1 ] && finished "$run"; then
        continue
    fi
    (
        start=$(date +%s)
        nice -n 5 dotnet "$exe" train --local "$(experiment "$preset")" --seed "$seed" --out "$run" --force --torch-threads 1 --log-every 100 \
            --eval-samples 0 ${ROUNDS:+--rounds "$ROUNDS"} >"$run.log" 2>&1
        echo "wall $(( $(date +%s) - start )) s" >>"$run.log"
    ) &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid" || { echo "a training run failed; see runs/quality/*-seed$seed.log" >&2; exit 1; }
done
[ "${TRAIN_ONLY:-0}" = 1 ] && exit 0

for preset in "${presets[@]}"; do
    run="runs/quality/$preset-seed$seed"
    nice -n 5 dotnet "$exe" evaluate "$run" --samples "$samples" --torch-threads 1 --out "$run/evaluation-heldout.json" >/dev/null
    jq -r --arg preset "$preset" --arg wall "$(tail -n 1 "$run.log")" \
        '"\($preset) seed '"$seed"' round \(.round): Parzen \(.parzen.meanLogLikelihood | . * 10 | round / 10) ± \(.parzen.standardError | . * 10 | round / 10) nats (sigma \(.parzen.sigma), held-out 9000-9999, \(.samples) samples); MNIST FID \(.classifier.fid | . * 1000 | round / 1000); \($wall)"' \
        "$run/evaluation-heldout.json"
done
nice -n 5 dotnet "$exe" compare "runs/quality/gran-mnist-seed$seed" "runs/quality/dcgan-mnist-gran-recipe-seed$seed" --torch-threads 1
