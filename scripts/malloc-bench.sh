#!/usr/bin/env bash
# CPU time and minor page faults of short trainings with GanCluster's malloc thresholds (the default, see
# src/GanCluster.Training/Runtime/NativeHeap.cs) against glibc's own defaults (GANCLUSTER_MALLOC_TUNING=0), the two
# runs of each preset one after the other on the same build. CPU time (user + system) is the figure to compare on a
# shared machine; wall time is printed too.
#   usage: scripts/malloc-bench.sh [rounds] [preset ...]     (default: 200 rounds of catgan-mnist, mlp-mnist, infogan-mnist)
#   NO_BUILD=1 skips the build; GANCLUSTER_DLL=path runs another copy of the CLI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds="${1:-200}"
presets="${*:2}"
presets="${presets:-catgan-mnist mlp-mnist infogan-mnist}"
[ -x /usr/bin/time ] || { echo "needs GNU time: apt-get install -y time" >&2; exit 2; }
exe="${GANCLUSTER_DLL:-src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll}"
[ "${NO_BUILD:-0}" = 1 ] || dotnet build src/GanCluster.Cli -c Release -v quiet -nologo >/dev/null
unset GLIBC_TUNABLES
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
printf '%-16s %-14s %10s %10s %10s %14s\n' preset malloc user_s sys_s wall_s minor_faults
for preset in $presets; do
    for mode in glibc-default gancluster; do
        tuning=1; [ "$mode" = glibc-default ] && tuning=0
        GANCLUSTER_MALLOC_TUNING=$tuning /usr/bin/time -o "$out/time" -f '%U %S %e %R' \
            dotnet "$exe" train --local "$preset" --rounds "$rounds" --checkpoint-interval 0 --eval-samples 0 \
            --out "$out/$preset-$mode" --force --torch-threads 1 --log-every "$rounds" >"$out/log" 2>&1 \
            || { cat "$out/log" >&2; exit 1; }
        read -r user sys wall faults <"$out/time"
        printf '%-16s %-14s %10s %10s %10s %14s\n' "$preset" "$mode" "$user" "$sys" "$wall" "$faults"
    done
done
