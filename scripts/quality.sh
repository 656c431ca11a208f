#!/usr/bin/env bash
# Quality of every preset, the way the papers report it (docs/QUALITY.md). Not run by CI: at the presets' default
# rounds this takes hours on two CPU cores.
#
# For each preset listed by `gancluster presets` (so presets added later are picked up): train it locally for its
# default rounds (three seeds for the 2-D mixtures ring8*/grid25*, one otherwise), score every checkpoint with
# `gancluster evaluate --all` (Parzen window, MNIST classifier metrics, mode coverage; 10,000 samples), then
# `gancluster quality-report` prints the table (figure, mean ± sd over seeds, wall time, rounds, the paper's anchor)
# and writes docs/QUALITY.md, docs/quality/<preset>.png (quality against round) and docs/quality-results.json.
#
# Environment:
#   QUALITY_ROOT           run folders (default runs/quality; each run is retrained from scratch: --force)
#   QUALITY_PRESETS        space-separated subset of presets (default: all)
#   QUALITY_ROUNDS         override every preset's rounds (a smoke test; the table then says so in its rounds column)
#   QUALITY_SEEDS_2D       seeds of the 2-D presets (default "1 2 3")
#   QUALITY_TORCH_THREADS  TorchSharp threads per run (default 1; the machine may be shared)
#   QUALITY_OUT            Markdown page (default docs/QUALITY.md)
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=${QUALITY_ROOT:-runs/quality}
THREADS=${QUALITY_TORCH_THREADS:-1}
SEEDS_2D=${QUALITY_SEEDS_2D:-"1 2 3"}
OUT=${QUALITY_OUT:-docs/QUALITY.md}
JSON="$(dirname "$OUT")/quality-results.json"

dotnet build src/GanCluster.Cli -c Release -nologo -v quiet >/dev/null
GAN=(dotnet src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll)
mkdir -p "$ROOT"

# Read the list first: the training commands below must not consume the loop's input.
mapfile -t PRESET_LINES < <("${GAN[@]}" presets)
for line in "${PRESET_LINES[@]}"; do
    IFS=$'\t' read -r name dataset rounds interval packing <<<"$line"
    if [[ -n "${QUALITY_PRESETS:-}" && " $QUALITY_PRESETS " != *" $name "* ]]; then
        continue
    fi
    if [[ "$dataset" == "fashion-mnist" && ! -d /usr/share/datasets/fashion-mnist ]]; then
        echo "skipping $name: Fashion-MNIST is not installed (apt-get install -y dataset-fashion-mnist)" >&2
        continue
    fi
    case "$dataset" in
        ring8|grid25) seeds=$SEEDS_2D ;;
        *) seeds=1 ;;
    esac
    for seed in $seeds; do
        run="$ROOT/$name-seed$seed"
        echo "== $name seed $seed (${QUALITY_ROUNDS:-$rounds} rounds, checkpoint every $interval) -> $run" >&2
        start=$(date +%s.%N)
        nice -n 5 "${GAN[@]}" train --local "$name" --seed "$seed" --out "$run" --force --torch-threads "$THREADS" \
            --log-every 500 ${QUALITY_ROUNDS:+--rounds "$QUALITY_ROUNDS"} >"$run.train.log" 2>&1 \
            || { echo "training $name seed $seed failed; see $run.train.log" >&2; continue; }
        end=$(date +%s.%N)
        nice -n 5 "${GAN[@]}" evaluate "$run" --all --torch-threads "$THREADS" >"$run.evaluate.log" 2>&1 \
            || { echo "evaluating $name seed $seed failed; see $run.evaluate.log" >&2; continue; }
        printf '{"preset": "%s", "seed": %s, "wallSeconds": %s}\n' "$name" "$seed" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" >"$run/run.json"
    done
done

"${GAN[@]}" quality-report "$ROOT" --markdown "$OUT" --json "$JSON"
