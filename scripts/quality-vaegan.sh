#!/usr/bin/env bash
# VAE-GAN's figures (issue 14): trains vaegan-mnist and its baseline vae-mnist (the same encoder and decoder trained as a
# plain VAE: KL + pixel likelihood, no GAN term) side by side in the background, each for its preset's rounds (5,000 and
# 1,000; ROUNDS=N gives both the same), seed 1, one torch thread each, under nice, then scores both on the held-out digits 8000-9999 with `gancluster evaluate`: the
# reconstruction error of G(mu(x)) in pixels (MSE per pixel in [0, 1]) and in Dis_l, the run's own D's second-layer
# features (MSE per feature; each run has its own D, so compare this one within a run, the pixel MSE across runs), and
# the sample Parzen window (sigma chosen on 8000-8999, log-likelihood reported on 9000-9999).
# Anchor (Larsen et al. 2016): no MNIST numbers in the paper (CelebA samples and attribute similarity); its claim is that
# the VAE-GAN's samples and reconstructions are sharper than the plain VAE's, at a pixel error that is not better.
#   usage: scripts/quality-vaegan.sh [seed]        (default seed 1)
#   ROUNDS=N overrides the presets' rounds; PRESETS="vaegan-mnist" runs one; NO_BUILD=1 skips the build;
#   SAMPLES=N for evaluate (10000); REUSE=1 skips training when a run folder holds a checkpoint of its final round;
#   CHECKPOINT_ROUND=N evaluates that round's checkpoint instead of the newest (equal rounds for runs of different lengths).
# Runs go to runs/quality/<preset>-seed<seed> with logs beside them (<run>.log, wall time on its last line).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
seed="${1:-1}"
samples="${SAMPLES:-10000}"
read -r -a presets <<<"${PRESETS:-vaegan-mnist vae-mnist}"

finished() { # a run folder whose newest checkpoint is its final round's
    local run=$1 rounds
    [ -f "$run/options.json" ] || return 1
    rounds=$(jq '.rounds' "$run/options.json")
    [ -f "$run/checkpoints/$(printf 'round-%06d.ckpt' "$rounds")" ]
}

[ "${NO_BUILD:-0}" = 1 ] || nice -n 5 dotnet build src/GanCluster.Cli/GanCluster.Cli.csproj -c Release -v quiet -nologo >/dev/null
mkdir -p runs/quality
pids=()
for preset in "${presets[@]}"; do
    run="runs/quality/$preset-seed$seed"
    if [ "${REUSE:-0}" = 1 ] && finished "$run"; then
        continue
    fi
    (
        start=$(date +%s)
        nice -n 5 dotnet "$exe" train --local "$preset" --seed "$seed" --out "$run" --force --torch-threads 1 --log-every 100 \
            --eval-samples 0 ${ROUNDS:+--rounds "$ROUNDS"} >"$run.log" 2>&1
        echo "wall $(( $(date +%s) - start )) s" >>"$run.log"
    ) &
    pids+=($!)
done
for pid in "${pids[@]}"; do
    wait "$pid" || { echo "a training run failed; see runs/quality/*-seed$seed.log" >&2; exit 1; }
done

for preset in "${presets[@]}"; do
    run="runs/quality/$preset-seed$seed"
    target="$run"
    out="$run/evaluation-heldout.json"
    if [ -n "${CHECKPOINT_ROUND:-}" ]; then
        target="$run/checkpoints/$(printf 'round-%06d.ckpt' "$CHECKPOINT_ROUND")"
        out="$run/evaluation-heldout-round-$CHECKPOINT_ROUND.json"
    fi
    nice -n 5 dotnet "$exe" evaluate "$target" --samples "$samples" --torch-threads 1 --out "$out" >/dev/null
    jq -r --arg preset "$preset" --arg wall "$(tail -n 1 "$run.log")" \
        '"\($preset) seed '"$seed"' round \(.round): reconstruction MSE \(.vaeGan.pixelMse | . * 100000 | round / 100000) per pixel, \(.vaeGan.featureMse | . * 100000 | round / 100000) per Dis_l feature (\(.vaeGan.count) held-out digits; train pixel MSE \(.vaeGan.trainPixelMse | . * 100000 | round / 100000)); Parzen \(.parzen.meanLogLikelihood | . * 10 | round / 10) ± \(.parzen.standardError | . * 10 | round / 10) nats (sigma \(.parzen.sigma), held-out 9000-9999, \(.samples) samples); MNIST FID \(.classifier.fid | . * 1000 | round / 1000); \($wall)"' \
        "$out"
done
