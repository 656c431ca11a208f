#!/usr/bin/env bash
# Adversarial examples (Goodfellow, Shlens & Szegedy 2015, "Explaining and Harnessing Adversarial Examples") on the
# bundled MNIST split: the error of the standard classifier and of an adversarially trained one on the held-out digits
# 8000-9999, clean and under the fast gradient sign method at epsilon 0.1 and 0.25, beside the paper's figures.
#
# Two kinds of model, each trained standard and adversarially (J~ = 0.5 J(x) + 0.5 J(x + 0.25 sign(grad_x J)),
# `classifier train --adversarial`) on digits 0-7999 with Adam, shifts of up to 2 pixels, seed 1, one CPU thread:
# - cnn: the product's CNN (src/GanCluster.Training/Metrics/MnistClassifier.cs: conv 5x5 32, conv 5x5 64, fc 128,
#   dropout 0.3, fc 10); the standard one is the shipped evaluation classifier (ADV_STANDARD=train retrains it);
# - maxout: the paper's kind of model (Adversarial/MaxoutMlpClassifier.cs: two maxout layers of 240 units x 5 pieces,
#   dropout 0.2 / 0.5), smaller than the paper's adversarially trained one (1600 units) and trained on 8,000 digits,
#   not 60,000.
# For each kind, two transfer rows show each classifier the perturbations crafted on the other (the paper's cross-model figures): a
# check that the adversarially trained model's low white-box error is not only a gradient that hides its weak spots.
#
# Usage: scripts/adversarial.sh   (after `dotnet build GanCluster.sln -c Release`)
# Environment: ADV_OUT (default runs/adversarial), ADV_MODELS ("cnn maxout"), ADV_EPOCHS (20), ADV_SEED (1),
#              ADV_TORCH_THREADS (1), ADV_STANDARD (shipped | train: the CNN's standard classifier),
#              ADV_RETRAIN=1 to retrain classifiers already in ADV_OUT (otherwise they are reused).
# Output: ADV_OUT/[maxout-]{standard,adversarial,adversarial-from-standard,standard-from-adversarial}.json and .png
# (gancluster attack), the weights (*.bin), the training logs (*-train.log), table.md; the table on stdout.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dll="$repo/src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
out="${ADV_OUT:-$repo/runs/adversarial}"
epochs="${ADV_EPOCHS:-20}"
seed="${ADV_SEED:-1}"
threads="${ADV_TORCH_THREADS:-1}"
standard_source="${ADV_STANDARD:-shipped}"
models="${ADV_MODELS:-cnn maxout}"

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

# One model kind: train what is missing, then four attacks (each classifier on its own perturbations, and each on the
# other's). $1: cnn or maxout; file prefix: "" for the CNN (the first version's names), "maxout-" for the maxout MLP.
measure() {
    local model="$1" prefix="$2" standard adversarial t0
    if [ "$model" = cnn ] && [ "$standard_source" = shipped ]; then
        standard="shipped"
    else
        standard="$out/${prefix}standard.bin"
        if [ ! -f "$standard" ] || [ "${ADV_RETRAIN:-0}" = 1 ]; then
            echo "== training the standard $model classifier ($epochs epochs, seed $seed)"
            t0=$(date +%s)
            gancluster classifier train --model "$model" --epochs "$epochs" --seed "$seed" --torch-threads "$threads" --out "$standard" | tee "$out/${prefix}standard-train.log"
            echo "standard training took $(( $(date +%s) - t0 )) s" | tee -a "$out/${prefix}standard-train.log"
        fi
    fi

    adversarial="$out/${prefix}adversarial.bin"
    if [ ! -f "$adversarial" ] || [ "${ADV_RETRAIN:-0}" = 1 ]; then
        echo "== adversarial training of the $model classifier (epsilon 0.25, alpha 0.5, $epochs epochs, seed $seed)"
        t0=$(date +%s)
        gancluster classifier train --model "$model" --adversarial --epsilon 0.25 --alpha 0.5 --epochs "$epochs" --seed "$seed" --torch-threads "$threads" --out "$adversarial" \
            | tee "$out/${prefix}adversarial-train.log"
        echo "adversarial training took $(( $(date +%s) - t0 )) s" | tee -a "$out/${prefix}adversarial-train.log"
    fi

    echo "== $model: each classifier on its own FGSM perturbations, then on the other's (transfer)"
    gancluster attack "$standard" --torch-threads "$threads" --out "$out/${prefix}standard.json"
    gancluster attack "$adversarial" --torch-threads "$threads" --out "$out/${prefix}adversarial.json"
    gancluster attack "$adversarial" --source "$standard" --torch-threads "$threads" --out "$out/${prefix}adversarial-from-standard.json"
    gancluster attack "$standard" --source "$adversarial" --torch-threads "$threads" --out "$out/${prefix}standard-from-adversarial.json"
}

for model in $models; do
    case "$model" in
        cnn) measure cnn "" ;;
        maxout) measure maxout "maxout-" ;;
        *) echo "adversarial.sh: ADV_MODELS holds '$model'; expected cnn and/or maxout" >&2; exit 2 ;;
    esac
done

python3 - "$out" "$standard_source" "$epochs" $models <<'PY' | tee "$out/table.md"
import json, sys
out, source, epochs, models = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def pct(x):
    return "%.2f%%" % (100 * x)
def eps(r, e):
    return {round(x["epsilon"], 6): x for x in r["epsilons"]}[e]
print("| classifier attacked | perturbations crafted on | clean error | FGSM eps 0.1 | FGSM eps 0.25 | paper (maxout), eps 0.25 | pixels unchanged at eps 0.25 |")
print("| --- | --- | --- | --- | --- | --- | --- |")
results = {}
for model in models:
    prefix = "" if model == "cnn" else "maxout-"
    if model == "cnn":
        standard = "standard CNN (" + ("the shipped evaluation classifier, 20 epochs" if source == "shipped" else epochs + " epochs") + ")"
        adversarial = "adversarially trained CNN (eps 0.25, alpha 0.5, " + epochs + " epochs)"
    else:
        standard = "standard maxout MLP 240x5 (" + epochs + " epochs)"
        adversarial = "adversarially trained maxout MLP 240x5 (eps 0.25, alpha 0.5, " + epochs + " epochs)"
    rows = [
        (standard, "itself", "standard.json", "89.4%"),
        (adversarial, "itself", "adversarial.json", "17.9%"),
        (adversarial, "the standard one (transfer)", "adversarial-from-standard.json", "19.6%"),
        (standard, "the adversarially trained one (transfer)", "standard-from-adversarial.json", "40.9%"),
    ]
    for name, crafted, file, paper in rows:
        r = json.load(open(out + "/" + prefix + file))
        results[prefix + file] = r
        print("| %s | %s | %s | %s | %s | %s | %s |" % (name, crafted, pct(r["cleanError"]), pct(eps(r, 0.1)["error"]), pct(eps(r, 0.25)["error"]), paper,
            "%.1f%%" % (100 * eps(r, 0.25)["unchangedPixelShare"])))
print()
print("Held-out digits 8000-9999 of the bundled MNIST (2,000); error = share of all examples misclassified after the perturbation;"
      " the paper's clean errors are 0.94% (maxout) and 0.84% (adversarially trained), on full MNIST; it gives no MNIST figure at eps 0.1.")
print("Pixels unchanged: zero gradient, or a step out of [0, 1] undone by the clipping (the perturbations are crafted on the classifier of column 2).")
for model in models:
    prefix = "" if model == "cnn" else "maxout-"
    print("%s: mean confidence of the wrong answers at eps 0.25: standard %s (paper 97.6%%), adversarially trained %s." % (model,
        pct(eps(results[prefix + "standard.json"], 0.25)["meanConfidenceOnErrors"]), pct(eps(results[prefix + "adversarial.json"], 0.25)["meanConfidenceOnErrors"])))
PY
echo "total wall time $(( $(date +%s) - started )) s; results in $out"
