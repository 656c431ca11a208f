#!/usr/bin/env bash
# Adversarial examples (Goodfellow, Shlens & Szegedy 2015, "Explaining and Harnessing Adversarial Examples") on the
# bundled MNIST split: the error of the standard classifier and of an adversarially trained one on the held-out digits
# 8000-9999, clean and under the fast gradient sign method at epsilon 0.1 and 0.25, beside the paper's figures.
#
# Both classifiers are the product's CNN (src/GanCluster.Training/Metrics/MnistClassifier.cs: conv 5x5 32, conv 5x5 64,
# fc 128, dropout 0.3, fc 10), trained on digits 0-7999 with Adam, shifts of up to 2 pixels, seed 1. The standard one is
# the shipped evaluation classifier (20 epochs; ADV_STANDARD=train retrains it here with the same settings). The
# adversarial one is trained with J~ = 0.5 J(x) + 0.5 J(x + 0.25 sign(grad_x J)) (`classifier train --adversarial`).
# The paper's model is a maxout network (full MNIST, 60,000 digits); this is a smaller CNN on 8,000, one CPU thread.
# Two transfer rows show each classifier the perturbations crafted on the other (the paper's cross-model figures): a
# check that the adversarially trained model's low white-box error is not only a gradient that hides its weak spots.
#
# Usage: scripts/adversarial.sh   (after `dotnet build GanCluster.sln -c Release`)
# Environment: ADV_OUT (default runs/adversarial), ADV_EPOCHS (20), ADV_SEED (1), ADV_TORCH_THREADS (1),
#              ADV_STANDARD (shipped | train), ADV_RETRAIN=1 to retrain a classifier already in ADV_OUT.
# Output: ADV_OUT/{standard,adversarial,adversarial-from-standard,standard-from-adversarial}.json and .png (gancluster
# attack), adversarial.bin, adversarial-train.log, table.md; the table on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dll="$repo/src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
out="${ADV_OUT:-$repo/runs/adversarial}"
epochs="${ADV_EPOCHS:-20}"
seed="${ADV_SEED:-1}"
threads="${ADV_TORCH_THREADS:-1}"
standard_source="${ADV_STANDARD:-shipped}"

if [ ! -f "$dll" ]; then
    echo "adversarial.sh: $dll is missing; build first: dotnet build GanCluster.sln -c Release" >&2
    exit 1
fi
case "$standard_source" in shipped | train) ;; *)
    echo "adversarial.sh: ADV_STANDARD='$standard_source'; expected shipped or train" >&2
    exit 2
    ;;
esac
command -v python3 >/dev/null || { echo "adversarial.sh: python3 is needed for the table (scripts/install-prerequisites.sh installs it)" >&2; exit 1; }

gancluster() { nice -n 5 dotnet "$dll" "$@"; }
mkdir -p "$out"
started=$(date +%s)

standard="shipped"
if [ "$standard_source" = train ]; then
    standard="$out/standard.bin"
    if [ ! -f "$standard" ] || [ "${ADV_RETRAIN:-0}" = 1 ]; then
        echo "== training the standard classifier ($epochs epochs, seed $seed)"
        gancluster classifier train --epochs "$epochs" --seed "$seed" --torch-threads "$threads" --out "$standard" | tee "$out/standard-train.log"
    fi
fi

adversarial="$out/adversarial.bin"
if [ ! -f "$adversarial" ] || [ "${ADV_RETRAIN:-0}" = 1 ]; then
    echo "== adversarial training (epsilon 0.25, alpha 0.5, $epochs epochs, seed $seed)"
    t0=$(date +%s)
    gancluster classifier train --adversarial --epsilon 0.25 --alpha 0.5 --epochs "$epochs" --seed "$seed" --torch-threads "$threads" --out "$adversarial" \
        | tee "$out/adversarial-train.log"
    echo "adversarial training took $(( $(date +%s) - t0 )) s" | tee -a "$out/adversarial-train.log"
fi

echo "== attacking the standard classifier ($standard)"
gancluster attack "$standard" --torch-threads "$threads" --out "$out/standard.json"
echo "== attacking the adversarially trained classifier"
gancluster attack "$adversarial" --torch-threads "$threads" --out "$out/adversarial.json"
echo "== transfer: the standard classifier's perturbations shown to the adversarially trained one, and back"
gancluster attack "$adversarial" --source "$standard" --torch-threads "$threads" --out "$out/adversarial-from-standard.json"
gancluster attack "$standard" --source "$adversarial" --torch-threads "$threads" --out "$out/standard-from-adversarial.json"

python3 - "$out" "$standard_source" "$epochs" <<'PY' | tee "$out/table.md"
import json, sys
out, source, epochs = sys.argv[1], sys.argv[2], sys.argv[3]
standard = "standard CNN (" + ("the shipped evaluation classifier, 20 epochs" if source == "shipped" else epochs + " epochs") + ")"
adversarial = "adversarially trained CNN (eps 0.25, alpha 0.5, " + epochs + " epochs)"
rows = [
    (standard, "itself", "standard.json", "89.4%"),
    (adversarial, "itself", "adversarial.json", "17.9%"),
    (adversarial, "the standard CNN (transfer)", "adversarial-from-standard.json", "19.6%"),
    (standard, "the adversarially trained CNN (transfer)", "standard-from-adversarial.json", "40.9%"),
]
def pct(x):
    return "%.2f%%" % (100 * x)
def eps(r, e):
    return {round(x["epsilon"], 6): x for x in r["epsilons"]}[e]
print("| classifier attacked | perturbations crafted on | clean error | FGSM eps 0.1 | FGSM eps 0.25 | paper (maxout), eps 0.25 | pixels unchanged at eps 0.25 |")
print("| --- | --- | --- | --- | --- | --- | --- |")
results = {}
for name, crafted, file, paper in rows:
    r = json.load(open(out + "/" + file))
    results[file] = r
    print("| %s | %s | %s | %s | %s | %s | %s |" % (name, crafted, pct(r["cleanError"]), pct(eps(r, 0.1)["error"]), pct(eps(r, 0.25)["error"]), paper,
        "%.1f%%" % (100 * eps(r, 0.25)["unchangedPixelShare"])))
print()
print("Held-out digits 8000-9999 of the bundled MNIST (%d); error = share of all examples misclassified after the perturbation;"
      " the paper's clean errors are 0.94%% (maxout) and 0.84%% (adversarially trained), on full MNIST; it gives no MNIST figure at eps 0.1."
      % results["standard.json"]["examples"])
print("Pixels unchanged: zero gradient, or a step out of [0, 1] undone by the clipping (the perturbations are crafted on the classifier of column 2).")
print("Mean confidence of the wrong answers at eps 0.25: standard %s (paper 97.6%%), adversarially trained %s." % (
    pct(eps(results["standard.json"], 0.25)["meanConfidenceOnErrors"]), pct(eps(results["adversarial.json"], 0.25)["meanConfidenceOnErrors"])))
PY
echo "total wall time $(( $(date +%s) - started )) s; results in $out"
