#!/usr/bin/env bash
# The exchange channel of two builds side by side, in one run: the exchange part of gancluster-bench (plain channel,
# TLS channel, remoting, raw socket) of an older commit and of this checkout, alternating ROUNDS times so that both see
# the same machine; prints the medians over all windows of each build.
#   usage: scripts/bench-exchange-ab.sh <old commit> [sizes (default 313600,3145728)]
#   env ROUNDS (alternations, default 3), REPEATS (windows per run, default 2), OLD_BENCH (an already built
#   gancluster-bench.dll of the old commit; otherwise it is built in a temporary clone)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
old="${1:?usage: scripts/bench-exchange-ab.sh <old commit> [sizes]}"
sizes="${2:-313600,3145728}"
rounds="${ROUNDS:-3}"; repeats="${REPEATS:-2}"
work="$(mktemp -d /tmp/gancluster-exchange-ab-XXXXXX)"
new_bench="tools/GanCluster.Bench/bin/Release/net10.0/gancluster-bench.dll"
dotnet build tools/GanCluster.Bench -c Release -v quiet -nologo >/dev/null
old_bench="${OLD_BENCH:-}"
if [ -z "$old_bench" ]; then
    git clone -q . "$work/old" && git -C "$work/old" checkout -q "$old"
    dotnet build "$work/old/tools/GanCluster.Bench" -c Release -v quiet -nologo >/dev/null
    old_bench="$work/old/$new_bench"
fi
for i in $(seq 1 "$rounds"); do
    for build in old new; do
        bench="$new_bench"; [ "$build" = old ] && bench="$old_bench"
        dotnet "$bench" exchange --sizes "$sizes" --repeats "$repeats" --seconds 1 >"$work/$build-$i.json" 2>"$work/$build-$i.log"
    done
done
python3 - "$work" "$rounds" "$old" <<'PY'
import json, statistics as st, sys
work, rounds, old = sys.argv[1], int(sys.argv[2]), sys.argv[3]
keys = ("channel_mb_s", "channel_rtt_ms", "channel_tls_mb_s", "channel_tls_rtt_ms", "akka_mb_s", "raw_mb_s")
for build in ("old", "new"):
    rows = {}
    for i in range(1, rounds + 1):
        for e in json.load(open(f"{work}/{build}-{i}.json"))["exchange"]:
            row = rows.setdefault(e["bytes"], {k: [] for k in keys})
            for k in keys:
                row[k].extend(e.get(k, []))
    for size, row in rows.items():
        m = {k: st.median(v) for k, v in row.items()}
        name = old if build == "old" else "this checkout"
        print(f"{name:>14} {size:>8} B: channel {m['channel_mb_s']:.0f} MB/s (rtt {m['channel_rtt_ms']:.2f} ms), "
              f"TLS channel {m['channel_tls_mb_s']:.0f} MB/s (rtt {m['channel_tls_rtt_ms']:.2f} ms), remoting {m['akka_mb_s']:.0f}, "
              f"raw socket {m['raw_mb_s']:.0f}, TLS/plain {m['channel_tls_mb_s'] / m['channel_mb_s']:.2f} ({len(row['channel_mb_s'])} windows)")
PY
rm -rf "$work"
