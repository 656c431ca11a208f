#!/usr/bin/env bash
# Coordinator recovery time from its journal as experiments' histories grow (issue 12 §2): builds gancluster-bench
# and runs `gancluster-bench recovery` (100 experiments; 250, 1,000 and 2,000 rounds each; SQLite; 3 recoveries each),
# printing one JSON object. BASELINE=<folder holding another build's gancluster-bench.dll> runs that build too, right
# after, for a side-by-side figure (e.g. a worktree where CoordinatorState.HistoryKept = int.MaxValue, the unbounded
# history of earlier versions).
#   usage: scripts/bench-recovery.sh [extra bench options, e.g. --experiments 20 --rounds 500,4000]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet build tools/GanCluster.Bench -c Release -v quiet -nologo >/dev/null
nice -n 5 dotnet tools/GanCluster.Bench/bin/Release/net10.0/gancluster-bench.dll recovery "$@"
if [ -n "${BASELINE:-}" ]; then
    nice -n 5 dotnet "$BASELINE/gancluster-bench.dll" recovery "$@"
fi
