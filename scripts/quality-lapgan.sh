#!/usr/bin/env bash
# LAPGAN's quality figure (issue 14): lapgan-mnist against the single-scale GAN of the same total compute. The single-scale
# GAN is dcgan-mnist's first recipe with an average of G, scripts/specs/dcgan-mnist-lapgan-recipe.json, the recipe
# lapgan-mnist's levels share (non-saturating objective, Adam 2e-4 / 0.5, batch 64, samples from the average of G).
# Both train side by side (seed 1, one torch thread each, nice), so they see the same machine load; the pyramid trains its
# three levels one after another (train --local), so its wall time is the sum of its levels' step times, and dcgan-mnist is
# stopped with SIGINT (it checkpoints the round it reached) when the pyramid's training ends: the same compute. Then both
# are scored with `gancluster evaluate` on the held-out digits 8000-9999 (Parzen window: sigma chosen on 8000-8999,
# log-likelihood on 9000-9999; the pyramid's 10,000 samples chained through its levels; MNIST FID beside it).
# Anchor (Denton et al. 2015): no MNIST figure. The paper compares LAPGAN with a single-scale GAN baseline on CIFAR-10 and
# STL-10 (a Parzen table, LAPGAN above the baseline) and by a human study (CIFAR-10 samples mistaken for real 40% of the
# time against 10% for the GAN); the figure to compare here is the ordering, lapgan-mnist against dcgan-mnist.
#   usage: scripts/quality-lapgan.sh [seed]        (default seed 1)
#   ROUNDS=N overrides lapgan-mnist's rounds, every level's (--rounds); NO_BUILD=1 skips the build; SAMPLES=N for evaluate (10000).
# Runs go to runs/quality/<preset>-seed<seed> with logs beside them (<run>.log, wall time on its last line).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
seed="${1:-1}"
samples="${SAMPLES:-10000}"
[ "${NO_BUILD:-0}" = 1 ] || nice -n 10 dotnet build GanCluster.sln -c Release -v quiet -nologo >/dev/null
mkdir -p runs/quality
lapgan="runs/quality/lapgan-mnist-seed$seed"
dcgan="runs/quality/dcgan-mnist-same-compute-seed$seed"

start=$(date +%s)
# dcgan-mnist with rounds it will not reach: it is stopped when the pyramid is done.
nice -n 10 dotnet "$exe" train --local scripts/specs/dcgan-mnist-lapgan-recipe.json --seed "$seed" --rounds 1000000 --checkpoint-interval 1000 --out "$dcgan" --force \
    --torch-threads 1 --log-every 100 --eval-samples 0 >"$dcgan.log" 2>&1 &
dcgan_pid=$!
nice -n 10 dotnet "$exe" train --local lapgan-mnist --seed "$seed" --out "$lapgan" --force --torch-threads 1 --log-every 100 \
    --eval-samples 0 ${ROUNDS:+--rounds "$ROUNDS"} >"$lapgan.log" 2>&1 || { kill -TERM "$dcgan_pid"; echo "lapgan-mnist failed; see $lapgan.log" >&2; exit 1; }
wall=$(( $(date +%s) - start ))
echo "wall $wall s" >>"$lapgan.log"
kill -TERM "$dcgan_pid"
wait "$dcgan_pid" || true   # 130: stopped by the signal after writing its checkpoint
echo "wall $wall s (stopped with the pyramid)" >>"$dcgan.log"

nice -n 10 dotnet "$exe" evaluate "$lapgan" --samples "$samples" --torch-threads 1 --out "$lapgan/evaluation-heldout.json" >/dev/null
nice -n 10 dotnet "$exe" evaluate "$dcgan" --samples "$samples" --torch-threads 1 --out "$dcgan/evaluation-heldout.json" >/dev/null
jq -r --arg wall "$wall" '"lapgan-mnist seed '"$seed"' (levels \([.lapgan.levels[] | "\(.level) at round \(.round)"] | join(", "))): Parzen \(.parzen.meanLogLikelihood | . * 10 | round / 10) ± \(.parzen.standardError | . * 10 | round / 10) nats (sigma \(.parzen.sigma), held-out 9000-9999, \(.samples) chained samples); MNIST FID \(.classifier.fid | . * 1000 | round / 1000); training \($wall) s"' \
    "$lapgan/evaluation-heldout.json"
jq -r --arg wall "$wall" '"dcgan-mnist (first recipe) seed '"$seed"' same compute (round \(.round)): Parzen \(.parzen.meanLogLikelihood | . * 10 | round / 10) ± \(.parzen.standardError | . * 10 | round / 10) nats (sigma \(.parzen.sigma), \(.samples) samples); MNIST FID \(.classifier.fid | . * 1000 | round / 1000); training \($wall) s"' \
    "$dcgan/evaluation-heldout.json"
