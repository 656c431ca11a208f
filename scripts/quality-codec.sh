#!/usr/bin/env bash
# The codec's rate-distortion figure (issue 14): trains codec-mnist at 32, 64, 128 and 256 bits per digit side by side
# in the background (seed 1, one torch thread each, under nice; 2,000 rounds of batch 64 each, the presets' recipe),
# then `gancluster codec-curve` measures each on the held-out digits 8000-9999 through a real .gcz file (bytes per image =
# file size / 2000, the 50-byte header amortised) against JPEG (SkiaSharp, grayscale, one mosaic of 32x32 tiles per
# quality, whole file / 2000) and PCA fitted on the training digits 0-7999 with the same bits per image plus the same
# header. Writes docs/codec-rd.json, docs/codec-rd.png (PSNR and SSIM against bytes per image) and
# docs/codec-examples.png (rows: 16 held-out originals, the codecs at 32/64/128/256 bits, PCA at the same rates, JPEG at
# quality 1).
# Anchor (the survey's codec section; Toderici et al. 2016 for binarised conv codes): above JPEG and PCA at every rate.
#   usage: scripts/quality-codec.sh [seed]        (default seed 1)
#   ROUNDS=N overrides the presets' rounds; NO_BUILD=1 skips the build; REUSE=1 skips training when a run folder holds a
#   checkpoint of its final round; CHECKPOINT_ROUND=N measures that round's checkpoint of every run instead of the newest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
seed="${1:-1}"
presets=(codec-mnist-32 codec-mnist codec-mnist-128 codec-mnist-256)

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
    wait "$pid" || { echo "a training run failed; see runs/quality/codec-*-seed$seed.log" >&2; exit 1; }
done

models=()
for preset in "${presets[@]}"; do
    run="runs/quality/$preset-seed$seed"
    if [ -n "${CHECKPOINT_ROUND:-}" ]; then
        models+=("$run/checkpoints/$(printf 'round-%06d.ckpt' "$CHECKPOINT_ROUND")")
    else
        models+=("$run")
    fi
done
nice -n 5 dotnet "$exe" codec-curve "${models[@]}" --torch-threads 1 \
    --out docs/codec-rd.json --png docs/codec-rd.png --examples docs/codec-examples.png
