#!/usr/bin/env bash
# oneDNN's convolutions read the padded lanes of channel blocks (src/GanCluster.Training/Runtime/TorchZeroFill.cs).
# This fills freed memory with NaN before each of [calls] calls per case and counts results that are non-finite or
# differ from the same call made before any poisoning: once with libtorch's zero fill switched off (the fault shows),
# once as the product runs (it must not); then it times conditional DCGAN G+D steps with no fill, glibc's (every malloc
# and free) and libtorch's (every tensor block), blocks alternated in one process.
#   usage: scripts/onednn-padding-probe.sh [calls] [cost-steps]     (defaults 100 and 50); NO_BUILD=1 skips the build
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
calls="${1:-100}"
steps="${2:-50}"
[ "${NO_BUILD:-0}" = 1 ] || dotnet build tools/GanCluster.Bench -c Release -v quiet -nologo >/dev/null
bench=tools/GanCluster.Bench/bin/Release/net10.0/gancluster-bench.dll
unset MALLOC_PERTURB_
for zero_fill in false true; do
    cost=0; [ "$zero_fill" = true ] && cost="$steps"
    dotnet "$bench" onednn-padding --calls "$calls" --zero-fill "$zero_fill" --cost-steps "$cost" |
        jq -r '"zero fill \(.zeroFill):", (.cases[] | "  \(.name): \(.nonFinite) of \(.calls) non-finite, \(.differing) changed"),
               (if .cost then (.cost.msPerStep | to_entries[] | "  ms per step, fill \(.key) (\(.value | length) blocks alternated): \(.value | map(tostring) | join(" ")), mean \(.value | add / length * 10 | round / 10)") else empty end)'
done
