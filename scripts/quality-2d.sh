#!/usr/bin/env bash
# Quality of the 2-D mixture presets, measured the papers' way (gancluster's own evaluation.json: 2,500 samples,
# high quality within 3 std, modes captured, modes with >= 20% of their expected share, reverse KL):
# trains every 2-D preset for its default rounds on seeds 1, 2, 3 and prints mean +- sd per preset, with the
# wall time of each run. Runs are one at a time, --torch-threads 1, under nice -n 5 (the machine is shared).
# Usage: scripts/quality-2d.sh [out.json] [presets...]
#   default out.json: docs/quality-2d.json; default presets: ring8-pacgan grid25-pacgan ring8-veegan grid25-veegan
#   SEEDS="1 2 3" and RUNS=runs/quality-2d override the seeds and the run folders; TRAIN_ARGS adds train options
#   (for example TRAIN_ARGS="--rounds 15000"; the table then no longer shows the presets' defaults).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out_json="${1:-docs/quality-2d.json}"
shift || true
presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(ring8-pacgan grid25-pacgan ring8-veegan grid25-veegan)
seeds="${SEEDS:-1 2 3}"
runs="${RUNS:-runs/quality-2d}"
exe="src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
[ -f "$exe" ] || dotnet build GanCluster.sln -c Release -v quiet -nologo >/dev/null
mkdir -p "$runs"
: > "$runs/times.tsv"

for preset in "${presets[@]}"; do
    for seed in $seeds; do
        folder="$runs/$preset-seed$seed"
        rm -rf "$folder"
        start=$(date +%s.%N)
        nice -n 5 dotnet "$exe" train --local "$preset" --seed "$seed" --out "$folder" --torch-threads 1 \
            --log-every 1000 ${TRAIN_ARGS:-} > "$folder.log" 2>&1 || { echo "$preset seed $seed failed; see $folder.log" >&2; exit 1; }
        end=$(date +%s.%N)
        printf '%s\t%s\t%s\n' "$preset" "$seed" "$(echo "$end - $start" | bc)" >> "$runs/times.tsv"
        grep -h "Modes captured" "$folder.log" | sed "s/^.*INF\] /$preset seed $seed: /"
    done
done

python3 - "$runs" "$out_json" <<'PY'
import json, statistics, sys, datetime, subprocess
runs, out_json = sys.argv[1], sys.argv[2]
rows = {}
for line in open(f"{runs}/times.tsv"):
    preset, seed, seconds = line.split("\t")
    folder = f"{runs}/{preset}-seed{seed}"
    modes = json.load(open(f"{folder}/evaluation.json"))["modes"]
    options = json.load(open(f"{folder}/options.json"))
    rows.setdefault(preset, []).append({
        "seed": int(seed), "rounds": options["rounds"], "wallSeconds": round(float(seconds), 1),
        "modesCaptured": modes["modesCaptured"], "modes": modes["modes"], "modesWellCovered": modes["modesWellCovered"],
        "highQualityFraction": modes["highQualityFraction"], "reverseKl": modes["klToUniform"]})

def ms(values):
    mean = statistics.fmean(values)
    return mean, (statistics.stdev(values) if len(values) > 1 else 0.0)

summary = {}
print()
print(f"{'preset':<15} {'seeds':<6} {'rounds':>6} {'modes':>13} {'>=20% share':>13} {'high quality %':>15} {'reverse KL':>15} {'wall s/seed':>13}")
for preset, runs_ in rows.items():
    stats = {key: ms([r[key] for r in runs_]) for key in ("modesCaptured", "modesWellCovered", "highQualityFraction", "reverseKl", "wallSeconds")}
    summary[preset] = {key: {"mean": m, "sd": s} for key, (m, s) in stats.items()}
    summary[preset]["modes"] = runs_[0]["modes"]
    summary[preset]["rounds"] = runs_[0]["rounds"]
    summary[preset]["runs"] = runs_
    f = lambda key, scale=1, d=1: f"{stats[key][0] * scale:.{d}f} +- {stats[key][1] * scale:.{d}f}"
    print(f"{preset:<15} {','.join(str(r['seed']) for r in runs_):<6} {runs_[0]['rounds']:>6} {f('modesCaptured'):>13} {f('modesWellCovered'):>13} "
          f"{f('highQualityFraction', 100):>15} {f('reverseKl', 1, 3):>15} {f('wallSeconds', 1, 0):>13}")

commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
json.dump({"measured": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), "commit": commit,
           "protocol": "2,500 generated samples; high quality within 3 std of the nearest mode; captured = >= 1 high-quality sample; "
                       ">= 20% share = >= 0.2 * 2500 / modes high-quality samples; reverse KL = KL(histogram of high-quality samples || uniform)",
           "command": "scripts/quality-2d.sh", "presets": summary}, open(out_json, "w"), indent=2)
print(f"\nwritten {out_json}")
PY
