#!/usr/bin/env bash
# VAE-GAN's figures (issue 14): trains vaegan-mnist (seed 1, one torch thread, under nice) with `train --local`, then
# scores it on the held-out digits 8000-9999 with `gancluster evaluate`: the reconstruction error of G(mu(x)) in pixels
# (MSE per pixel in [0, 1]) and in D's features Dis_l (MSE per feature), and the sample Parzen window (sigma chosen on
# 8000-8999, log-likelihood reported on 9000-9999).
# Anchor (Larsen et al. 2016): the paper reports no MNIST numbers (CelebA samples and attribute similarity); its claim is
# that Dis_l reconstructions are sharper than a pixel VAE's at a pixel error that is not better. No plain-VAE baseline here yet.
#   usage: scripts/quality-vaegan.sh [seed]        (default seed 1)
#   ROUNDS=N overrides the preset's rounds; NO_BUILD=1 skips the build; SAMPLES=N for evaluate (10000);
#   REUSE=1 skips training when the run folder holds a checkpoint of the final round.
# The run goes to runs/quality/vaegan-mnist-seed<seed> with its log beside it (<run>.log, wall time on its last line).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
seed="${1:-1}"
samples="${SAMPLES:-10000}"
export GLIBC_TUNABLES="${GLIBC_TUNABLES:-glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432}"
preset=vaegan-mnist
run="runs/quality/$preset-seed$seed"

finished() { # a run folder whose newest checkpoint is its final round's
    local rounds
    [ -f "$run/options.json" ] || return 1
    rounds=$(jq '.rounds' "$run/options.json")
    [ -f "$run/checkpoints/$(printf 'round-%06d.ckpt' "$rounds")" ]
}

[ "${NO_BUILD:-0}" = 1 ] || nice -n 5 dotnet build src/GanCluster.Cli/GanCluster.Cli.csproj -c Release -v quiet -nologo >/dev/null
mkdir -p runs/quality
if ! { [ "${REUSE:-0}" = 1 ] && finished; }; then
    start=$(date +%s)
    nice -n 5 dotnet "$exe" train --local "$preset" --seed "$seed" --out "$run" --force --torch-threads 1 --log-every 100 \
        --eval-samples 0 ${ROUNDS:+--rounds "$ROUNDS"} >"$run.log" 2>&1
    echo "wall $(( $(date +%s) - start )) s" >>"$run.log"
fi

nice -n 5 dotnet "$exe" evaluate "$run" --samples "$samples" --torch-threads 1 --out "$run/evaluation-heldout.json" >/dev/null
jq -r --arg wall "$(tail -n 1 "$run.log")" \
    '"'"$preset"' seed '"$seed"' round \(.round): reconstruction MSE \(.vaeGan.pixelMse | . * 100000 | round / 100000) per pixel, \(.vaeGan.featureMse | . * 100000 | round / 100000) per Dis_l feature (\(.vaeGan.count) held-out digits; train pixel MSE \(.vaeGan.trainPixelMse | . * 100000 | round / 100000)); Parzen \(.parzen.meanLogLikelihood | . * 10 | round / 10) ± \(.parzen.standardError | . * 10 | round / 10) nats (sigma \(.parzen.sigma), held-out 9000-9999, \(.samples) samples); MNIST FID \(.classifier.fid | . * 1000 | round / 1000); \($wall)"' \
    "$run/evaluation-heldout.json"
