#!/usr/bin/env bash
# Adversarial examples against the GAN discriminators that classify digits (issue 13): the semi-supervised GAN's D
# (ssgan-mnist) and CatGAN's D (catgan-mnist-100 with 100 labels; catgan-mnist-20 unsupervised, each of its 20 classes
# named by the majority label of the held-out digits, as its clustering figure names them). Each preset is trained at
# its defaults (seed 1) unless its final checkpoint is already in ADV_GAN_OUT/<preset>, then its final checkpoint is
# attacked with FGSM at epsilon 0.1 and 0.25 on the held-out digits 8000-9999 (white-box: D's own gradient), and with
# the perturbations crafted on the shipped evaluation CNN (transfer: a check that a low white-box figure is not a
# gradient that hides D's weak spots). The paper's figures (Goodfellow et al. 2015, maxout network) go beside them.
#
# Usage: scripts/adversarial-gan.sh   (after `dotnet build GanCluster.sln -c Release`)
# Environment: ADV_GAN_OUT (default runs/adversarial-gan), ADV_GAN_PRESETS ("ssgan-mnist catgan-mnist-100
#              catgan-mnist-20"), ADV_GAN_SEED (1), ADV_GAN_TORCH_THREADS (1).
# Output: ADV_GAN_OUT/<preset>/ (the run), <preset>.json / .png and <preset>-from-cnn.json / .png (gancluster attack),
# table.md; the table on stdout. Training takes 20-40 minutes per preset at one thread on a quiet 2-core machine.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dll="$repo/src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
out="${ADV_GAN_OUT:-$repo/runs/adversarial-gan}"
presets="${ADV_GAN_PRESETS:-ssgan-mnist catgan-mnist-100 catgan-mnist-20}"
seed="${ADV_GAN_SEED:-1}"
threads="${ADV_GAN_TORCH_THREADS:-1}"

if [ ! -f "$dll" ]; then
    echo "adversarial-gan.sh: $dll is missing; build first: dotnet build GanCluster.sln -c Release" >&2
    exit 1
fi
command -v python3 >/dev/null || { echo "adversarial-gan.sh: python3 is needed for the table (scripts/install-prerequisites.sh installs it)" >&2; exit 1; }

gancluster() { nice -n 5 dotnet "$dll" "$@"; }
mkdir -p "$out"

for preset in $presets; do
    case "$preset" in
        ssgan-*|catgan-*) ;;
        *) echo "adversarial-gan.sh: ADV_GAN_PRESETS holds '$preset'; only ssgan and catgan presets have a D that classifies digits" >&2; exit 2 ;;
    esac
    # `gancluster presets`: name, data set, default rounds, ... (tab-separated).
    rounds=$(gancluster presets | awk -F '\t' -v p="$preset" '$1 == p { print $3 }')
    if [ -z "$rounds" ]; then
        echo "adversarial-gan.sh: '$preset' is not a preset (gancluster presets lists them)" >&2
        exit 2
    fi
    final="$out/$preset/checkpoints/round-$(printf '%06d' "$rounds").ckpt"
    if [ ! -f "$final" ]; then
        echo "== training $preset (seed $seed, one run at its defaults)"
        gancluster train --local "$preset" --seed "$seed" --out "$out/$preset" --force --torch-threads "$threads" --eval-samples 0
    fi
    echo "== $preset: FGSM on D's own gradient, then the shipped CNN's perturbations (transfer)"
    gancluster attack "$final" --torch-threads "$threads" --out "$out/$preset.json"
    gancluster attack "$final" --source shipped --torch-threads "$threads" --out "$out/$preset-from-cnn.json"
done

python3 - "$out" "$seed" $presets <<'PY' | tee "$out/table.md"
import json, sys
out, seed, presets = sys.argv[1], sys.argv[2], sys.argv[3:]
def pct(x):
    return "%.2f%%" % (100 * x)
def eps(r, e):
    return {round(x["epsilon"], 6): x for x in r["epsilons"]}[e]
print("| D of the run (seed %s) | perturbations crafted on | clean error | FGSM eps 0.1 | FGSM eps 0.25 | paper (maxout), eps 0.25 | mean confidence of the wrong answers at 0.25 |" % seed)
print("| --- | --- | --- | --- | --- | --- | --- |")
for preset in presets:
    for file, crafted, paper in ((preset + ".json", "itself (white-box)", "89.4%"), (preset + "-from-cnn.json", "the shipped CNN (transfer)", "")):
        r = json.load(open(out + "/" + file))
        e25 = eps(r, 0.25)
        print("| `%s` | %s | %s | %s | %s | %s | %.1f%% |" % (preset, crafted, pct(r["cleanError"]), pct(eps(r, 0.1)["error"]), pct(e25["error"]), paper,
            100 * e25["meanConfidenceOnErrors"]))
print()
print("Held-out digits 8000-9999 of the bundled MNIST (2,000); error = share of all examples misclassified after the perturbation."
      " The clean error is the family's own figure (ssgan and catgan-mnist-100: D's test error; catgan-mnist-20: the clustering error).")
PY
