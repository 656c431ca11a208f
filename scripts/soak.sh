#!/usr/bin/env bash
# Soak test of the cluster: N experiments of mixed models (2-D toys and MNIST MLP/DCGAN, Adam and SGD) submitted back
# to back to one generator/discriminator pair (or two pairs with --pairs 2), bounded in time. Reports completed /
# failed / crashed (a worker process that died) and exits non-zero on any failure. Workers use --torch-threads 1.
# Usage: scripts/soak.sh [--experiments N] [--pairs 1|2] [--minutes M] [--gc-stress 0|1|2] [--data DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

experiments=30; pairs=1; minutes=60; stress=0; data=""
while [ $# -gt 0 ]; do
    case "$1" in
        --experiments) experiments="$2"; shift 2 ;;
        --pairs) pairs="$2"; shift 2 ;;
        --minutes) minutes="$2"; shift 2 ;;
        --gc-stress) stress="$2"; shift 2 ;;
        --data) data="$2"; shift 2 ;;
        *) echo "usage: $0 [--experiments N] [--pairs 1|2] [--minutes M] [--gc-stress 0|1|2] [--data DIR]" >&2; exit 2 ;;
    esac
done
data="${data:-$(mktemp -d /tmp/gancluster-soak-XXXX)}"
exe="src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
[ -f "$exe" ] || dotnet build src/GanCluster.Cli -c Release -v quiet -nologo
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$data/logs" "$data/specs"
export GANCLUSTER_GC_STRESS="$stress"

pids=(); names=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT
start() {
    local name="$1"; shift
    dotnet "$exe" node --data "$data" --logs "$data/logs" "$@" >"$data/logs/$name.out" 2>&1 &
    pids+=($!); names+=("$name")
}
start coordinator --roles coordinator --port "$port" --seeds "127.0.0.1:$port"
for i in $(seq 1 "$pairs"); do
    start "generator-$i" --roles generator --port 0 --seeds "127.0.0.1:$port" --torch-threads 1
    start "discriminator-$i" --roles discriminator --port 0 --seeds "127.0.0.1:$port" --torch-threads 1
done
gc() { dotnet "$exe" "$@" --contact "127.0.0.1:$port"; }
until grep -q "($pairs generators, $pairs discriminators)" "$data/logs/coordinator.out" 2>/dev/null; do sleep 1; done

# The mix of the issue's report: toys and MNIST models, Adam and SGD, checkpoint every 100 rounds.
kinds=(ring8:300 mlp-mnist:200 grid25:300 goodfellow-mnist:200 ring8:300 dcgan-mnist:50)
ids=()
for i in $(seq 1 "$experiments"); do
    kind="${kinds[$(( (i - 1) % ${#kinds[@]} ))]}"
    preset="${kind%%:*}"; rounds="${kind##*:}"
    id=$(gc submit "$preset" --rounds "$rounds" --seed "$((99 + i))" --name "soak-$i-$preset" --checkpoint-interval 100)
    ids+=("$id")
done
echo "soak: $experiments experiments on $pairs pair(s), data $data, GC stress $stress"

started=$(date +%s); deadline=$(( started + minutes * 60 ))
while :; do
    listing=$(gc list 2>/dev/null || true)
    open=$(grep -cE "^exp-\S+\s+soak-\S+\s+(queued|assigned|running|paused)" <<<"$listing" || true)
    crashed=0
    for k in "${!pids[@]}"; do kill -0 "${pids[$k]}" 2>/dev/null || crashed=$((crashed + 1)); done
    [ "$open" -eq 0 ] && break
    [ "$crashed" -gt 0 ] && break
    [ "$(date +%s)" -ge "$deadline" ] && break
    sleep 5
done
completed=$(grep -cE "^exp-\S+\s+soak-\S+\s+completed" <<<"$listing" || true)
failed=$(grep -cE "^exp-\S+\s+soak-\S+\s+(failed|diverged)" <<<"$listing" || true)
dead=()
for k in "${!pids[@]}"; do kill -0 "${pids[$k]}" 2>/dev/null || dead+=("${names[$k]}"); done
elapsed=$(( $(date +%s) - started ))
echo "$listing"
echo "soak: completed $completed, failed $failed, unfinished $((experiments - completed - failed)), crashed nodes ${#dead[@]} (${dead[*]:-none}) in ${elapsed}s"
[ "$completed" -eq "$experiments" ] && [ "${#dead[@]}" -eq 0 ]
