#!/usr/bin/env bash
# Quality of every preset, the way the papers report it (docs/QUALITY.md). Not run by CI: at the presets' default
# rounds this takes hours on two CPU cores.
#
# For each preset listed by `gancluster presets` (so presets added later are picked up): train it locally for its
# default rounds (three seeds for the 2-D mixtures ring8*/grid25*, one otherwise), score every checkpoint with
# `gancluster evaluate --all` (Parzen window, MNIST classifier metrics, mode coverage, each family's own figure; the
# published sample count: 10,000 images, 2,500 points of a 2-D mixture), then
# `gancluster quality-report` prints the table (figure, mean ± sd over seeds, wall time, rounds, the paper's anchor)
# and writes docs/QUALITY.md, docs/quality/<preset>.png (quality against round) and docs/quality-results.json.
#
# Runs are kept: each finished run's small files (run.json, options.json, evaluation.json, evaluations.jsonl; not its
# checkpoints) are copied to QUALITY_KEEP, and the report is built from that folder, so the page can grow over several
# sittings (the whole set takes 8-12 hours on two cores). With QUALITY_REUSE=1 a preset and seed whose kept run has the
# preset's current recipe hash (`gancluster presets`, last column) is not trained again; a changed recipe is. A run's
# run.json (wall time of the training alone, commit, recipe, CPU) is written as soon as its training ends, so with
# QUALITY_REUSE=1 a run that finished training but whose evaluation failed or was stopped is evaluated again, not retrained.
#
# Environment:
#   QUALITY_ROOT           run folders with checkpoints (default runs/quality; each run is retrained from scratch: --force)
#   QUALITY_KEEP           kept runs, the report's input (default docs/quality/runs; with QUALITY_ROUNDS, $QUALITY_ROOT/kept)
#   QUALITY_REUSE          1: skip presets and seeds already kept with the current recipe, and evaluate (without
#                          training again) runs in QUALITY_ROOT whose training finished with it (default 0: train everything)
#   QUALITY_PRESETS        space-separated subset of presets (default: all; aliases such as ring8 are skipped)
#   QUALITY_ROUNDS         override every preset's rounds (a smoke test; the table then says so in its rounds column)
#   QUALITY_SEEDS_2D       seeds of the 2-D presets (default "1 2 3")
#   QUALITY_TORCH_THREADS  TorchSharp threads per run (default 1; the machine may be shared)
#   QUALITY_OUT            Markdown page (default docs/QUALITY.md; with QUALITY_ROUNDS, $QUALITY_ROOT/QUALITY.md)
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=${QUALITY_ROOT:-runs/quality}
# A smoke test (QUALITY_ROUNDS) must not replace the kept runs or the page of real ones.
KEEP=${QUALITY_KEEP:-${QUALITY_ROUNDS:+$ROOT/kept}}
KEEP=${KEEP:-docs/quality/runs}
REUSE=${QUALITY_REUSE:-0}
THREADS=${QUALITY_TORCH_THREADS:-1}
SEEDS_2D=${QUALITY_SEEDS_2D:-"1 2 3"}
OUT=${QUALITY_OUT:-${QUALITY_ROUNDS:+$ROOT/QUALITY.md}}
OUT=${OUT:-docs/QUALITY.md}
JSON="$(dirname "$OUT")/quality-results.json"

dotnet build src/GanCluster.Cli -c Release -nologo -v quiet >/dev/null
GAN=(dotnet src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll)
mkdir -p "$ROOT" "$KEEP"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
# The CPU and its widest vector instructions: libtorch and its BLAS choose kernels by them, so a seed's figures move
# between an AVX2 and an AVX-512 machine (README, Benchmarks, "The CPU's instruction set"). Kept runs record it.
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n 1 | tr -d '"|\\')
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then CPU_ISA=avx512; elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then CPU_ISA=avx2; else CPU_ISA=$(uname -m); fi
CPU="${CPU_MODEL:-unknown}, $CPU_ISA"

# Read the list first: the training commands below must not consume the loop's input.
mapfile -t PRESET_LINES < <("${GAN[@]}" presets)
for line in "${PRESET_LINES[@]}"; do
    IFS=$'\t' read -r name dataset rounds interval packing alias recipe <<<"$line"
    if [[ "$alias" != "-" ]]; then
        continue # another name of a preset the loop meets itself
    fi
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
        kept="$KEEP/$name-seed$seed"
        recipe_field="\"recipe\": \"${QUALITY_ROUNDS:+$QUALITY_ROUNDS-rounds-}$recipe\""
        if [[ "$REUSE" == 1 && -z "${QUALITY_ROUNDS:-}" ]] && grep -q "$recipe_field" "$kept/run.json" 2>/dev/null; then
            echo "== $name seed $seed: kept in $kept with recipe $recipe; not trained again" >&2
            continue
        fi
        if [[ "$REUSE" == 1 ]] && grep -q "$recipe_field" "$run/run.json" 2>/dev/null; then
            echo "== $name seed $seed: trained in $run with recipe $recipe; evaluating it" >&2
        else
            echo "== $name seed $seed (${QUALITY_ROUNDS:-$rounds} rounds, checkpoint every $interval) -> $run" >&2
            rm -f "$run/run.json"
            start=$(date +%s.%N)
            nice -n 5 "${GAN[@]}" train --local "$name" --seed "$seed" --out "$run" --force --torch-threads "$THREADS" \
                --log-every 500 ${QUALITY_ROUNDS:+--rounds "$QUALITY_ROUNDS"} >"$run.train.log" 2>&1 \
                || { echo "training $name seed $seed failed; see $run.train.log" >&2; continue; }
            end=$(date +%s.%N)
            # Written before the evaluation: the wall time is the training's, and a rerun with QUALITY_REUSE=1 finds it.
            printf '{"preset": "%s", "seed": %s, "wallSeconds": %s, "commit": "%s", "finished": "%s", %s, "cpu": "%s"}\n' \
                "$name" "$seed" "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')" "$COMMIT" \
                "$(date -u +%Y-%m-%d)" "$recipe_field" "$CPU" >"$run/run.json"
        fi
        nice -n 5 "${GAN[@]}" evaluate "$run" --all --torch-threads "$THREADS" >"$run.evaluate.log" 2>&1 \
            || { echo "evaluating $name seed $seed failed; see $run.evaluate.log" >&2; continue; }
        rm -rf "$kept" && mkdir -p "$kept"
        cp "$run"/{run.json,options.json,evaluation.json} "$kept"/
        if [[ -f "$run/evaluations.jsonl" ]]; then cp "$run/evaluations.jsonl" "$kept"/; fi
    done
done

"${GAN[@]}" quality-report "$KEEP" --markdown "$OUT" --json "$JSON"
