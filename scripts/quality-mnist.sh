#!/usr/bin/env bash
# Trains every MNIST preset at its defaults (seed 1, one torch thread, under nice so that it shares the machine) and
# prints the Parzen-window log-likelihood on the held-out test digits (mean +- standard error), the wall time and
# the rounds of each. Writes every run's evaluation and timing to docs/quality-mnist.json.
#   usage: scripts/quality-mnist.sh [preset ...]    (default: every MNIST preset)
# The runs go to runs/quality/<preset>; each is a plain `gancluster train --local` run, what a user gets.
# REUSE=1 collects finished runs (evaluation.json present, wall time from the last line of runs/quality/<preset>.log)
# instead of training them again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exe="src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then
    presets=(mlp-mnist goodfellow-mnist cgan-mnist dcgan-mnist dcgan-64)
fi

[ "${REUSE:-0}" = 1 ] || dotnet build GanCluster.sln -c Release -v quiet -nologo >/dev/null
mkdir -p runs/quality
out="docs/quality-mnist.json"
results="[]"
for preset in "${presets[@]}"; do
    run="runs/quality/$preset"
    if [ "${REUSE:-0}" = 1 ] && [ -f "$run/evaluation.json" ]; then
        wall=$(tail -n 1 "$run.log" | awk '$1 == "wall" { print $2 }')
    else
        rm -rf "$run"
        start=$(date +%s)
        nice -n 5 dotnet "$exe" train --local "$preset" --out "$run" --torch-threads 1 --log-every 500 >"$run.log" 2>&1 \
            || { echo "$preset: training failed, see $run.log" >&2; continue; }
        wall=$(( $(date +%s) - start ))
        echo "wall $wall s" >>"$run.log"
    fi
    rounds=$(jq '.rounds' "$run/options.json")
    entry=$(jq --arg preset "$preset" --argjson wall "$wall" --argjson rounds "$rounds" \
        '{preset: $preset, rounds: $rounds, wallSeconds: $wall, parzen: .parzen, parzenValidation: .parzenValidation,
          parzenWithoutAverage: .parzenWithoutAverage}' "$run/evaluation.json")
    results=$(jq --argjson e "$entry" '. + [$e]' <<<"$results")
    jq -r '"\(.preset): Parzen \(.parzen.meanLogLikelihood * 10 | round / 10) +- \(.parzen.standardError * 10 | round / 10) (sigma \(.parzen.sigma * 1000 | round / 1000)), \(.rounds) rounds, \(.wallSeconds) s wall (training + checkpoints + evaluation)"' <<<"$entry"
done

jq --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg commit "$(git rev-parse --short HEAD)" --arg cores "$(nproc)" \
    '{date: $date, commit: $commit, cores: ($cores | tonumber), torchThreads: 1, runs: .}' <<<"$results" >"$out"
echo "written to $out"
