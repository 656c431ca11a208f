#!/usr/bin/env bash
# The side-by-side benchmark of issue 5, in one run: prints a table on stdout and writes a JSON file.
#   local      in-process trainer (gancluster train --local), steps/s per window
#   cluster    the same experiment and seed on three node processes over loopback (coordinator round summaries)
#   reference  the same models and loop in PyTorch eager (Debian python3-torch, OpenBLAS openmp, same threads)
#   exchange   round trips of 313,600 / 786,432 / 3,145,728-byte tensor payloads between two ActorSystems in two
#              processes: on the workers' exchange channel (its own TCP socket, GanClusterSerializer, TensorWire), on
#              remoting (BulkSender, ChunkReceiver), on a raw loopback socket with the same framing (4-byte length +
#              payload) and the same tensor copies, and on that raw framing over the TLS channel's own SslStream sockets
#              (raw TLS: what .NET's TLS alone reaches here, the ceiling for the TLS channel)
#   checkpoint DCGAN 64x64, both halves with Adam state: take, store (SQLite store), restore
#   health     p99 of a small remoting ping between the two processes, idle and while 4 x 3 MiB round trips are in
#              flight (on the exchange channel, and on remoting)
# Each figure: min / median / max over repeats (windows); ratios use medians. Steps/s windows: MLP 100 rounds,
# DCGAN 10 rounds; the first window of each run is a warm-up and is dropped.
# Usage: scripts/bench.sh [output.json]    (env REPEATS, default 5; MLP_WINDOW / DCGAN_WINDOW rounds per window,
# default 100 / 10; THREADS for PyTorch, default nproc; KEEP_WORK=1 keeps the work folder with the node logs)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
out_json="${1:-bench-results.json}"
repeats="${REPEATS:-5}"
threads="${THREADS:-$(nproc)}"
mlp_window="${MLP_WINDOW:-100}"
dcgan_window="${DCGAN_WINDOW:-10}"
# PARTS: a subset of "local local-share cluster pytorch exchange checkpoint" (the table shows what ran); local-share
# is the local trainer with the cores one worker gets here (half of them)
parts=" ${PARTS:-local local-share cluster pytorch exchange checkpoint} "
has() { [[ "$parts" == *" $1 "* ]]; }
exe="$root/src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
bench="$root/tools/GanCluster.Bench/bin/Release/net10.0/gancluster-bench.dll"
work="$(mktemp -d)"
cluster_pids=()
cleanup() {
    for pid in "${cluster_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${cluster_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "${KEEP_WORK:-}" ]; then echo "[bench] kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
say() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }

say "building"
dotnet build src/GanCluster.Cli -c Release -v quiet -nologo >/dev/null
dotnet build tools/GanCluster.Bench -c Release -v quiet -nologo >/dev/null

# ---- PyTorch reference prerequisites (Debian's python3-torch with the OpenMP build of OpenBLAS) ----
if has pytorch && { ! { [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import torch"; } 2>/dev/null || [ ! -d /usr/lib/x86_64-linux-gnu/openblas-openmp ]; }; then
    say "installing python3-torch and libopenblas0-openmp"
    sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get install -y python3-torch libopenblas0-openmp >&2
fi
py=/usr/bin/python3; [ -x "$py" ] || py=python3
openblas_dir="$(ls -d /usr/lib/*-linux-gnu/openblas-openmp 2>/dev/null | head -n1 || true)"

half=$(( $(nproc) / 2 )); [ "$half" -ge 1 ] || half=1
# WORKER_ARGS: options for the generator and discriminator nodes; by default, as scripts/start-local-cluster.sh,
# each gets half of the cores (they share this machine). WORKER_ARGS=" " gives libtorch's default (every core).
worker_options="${WORKER_ARGS:---torch-threads $half}"
rounds_for() { echo $(( $1 * (repeats + 1) )); }
# DCGAN 64x64 as tools/bench-plain/bench_torch.py runs it (Adam 2e-4 / 0.5 on both sides, no average of G, no R1):
# the spec file, not the dcgan-64 preset, whose quality recipe adds an average of G and the R1 penalty (1.22 times the
# time per round, docs/QUALITY-RECIPES.md) and would no longer be the reference's loop.
dcgan_spec=cluster-config/experiments/dcgan-64.json

# ---- 1. local ----
local_run() {
    local name="$1" preset="$2" window="$3"; shift 3
    say "local $preset $*"
    dotnet "$exe" train --local "$preset" --seed 1 --rounds "$(rounds_for "$window")" --checkpoint-interval 0 \
        --log-every "$window" --eval-samples 0 --device cpu --out "$work/local-$name" "$@" >/dev/null 2>"$work/local-$name.log"
    cp "$work/local-$name/metrics.jsonl" "$work/local-$name.jsonl"
}
if has local; then
    local_run mlp mlp-mnist "$mlp_window"
    local_run dcgan "$dcgan_spec" "$dcgan_window"
fi
# local with the per-worker share of the cores: what one half of the cluster gets on this shared machine (the
# cluster on two machines of this machine's size corresponds to local-share against the local run)
if has local-share; then
    local_run mlp-share mlp-mnist "$mlp_window" --torch-threads "$half"
    local_run dcgan-share "$dcgan_spec" "$dcgan_window" --torch-threads "$half"
fi

# ---- 2. cluster: three node processes on loopback, like scripts/start-local-cluster.sh ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
data="$work/cluster"
mkdir -p "$data/logs"
start_node() {
    local name="$1"; shift
    dotnet "$exe" node --data "$data" --logs "$data/logs" "$@" >"$data/logs/$name.out" 2>&1 &
    cluster_pids+=($!)
}
client() { dotnet "$exe" "$@" --contact "127.0.0.1:$port"; }

cluster_run() {
    local name="$1" preset="$2" window="$3" id="" state=""
    say "cluster $preset"
    for _ in $(seq 1 30); do
        id="$(client submit "$preset" --seed 1 --rounds "$(rounds_for "$window")" --checkpoint-interval 0 --name "bench-$name" 2>>"$work/client.log")" && break
        sleep 2
    done
    [ -n "$id" ] || { echo "cluster: submit failed (see $data/logs)" >&2; exit 1; }
    while true; do
        state="$(client status "$id" 2>>"$work/client.log" | awk '/^state:/ {print $2}' || true)"
        case "$state" in
            completed) break ;;
            failed|cancelled) echo "cluster: experiment $id $state" >&2; client status "$id" >&2 || true; exit 1 ;;
        esac
        sleep 2
    done
    echo "$id" >"$work/cluster-$name.id"
}
if has cluster; then
    read -r -a worker_args <<<"$worker_options"
    say "starting a local cluster on 127.0.0.1:$port (worker options: ${worker_args[*]:-none})"
    start_node coordinator --roles coordinator --port "$port" --seeds "127.0.0.1:$port" --set "gancluster.coordinator.log-every=$dcgan_window"
    start_node generator --roles generator --port 0 --seeds "127.0.0.1:$port" "${worker_args[@]}"
    start_node discriminator --roles discriminator --port 0 --seeds "127.0.0.1:$port" "${worker_args[@]}"
    cluster_run mlp mlp-mnist "$mlp_window"
    cluster_run dcgan "$dcgan_spec" "$dcgan_window"
    sleep 2   # the JSON log flushes every second
    cat "$data"/logs/gancluster-*coordinator*.json >"$work/coordinator.jsonl"
    for pid in "${cluster_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${cluster_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    cluster_pids=()
fi

# ---- 3. PyTorch reference ----
if has pytorch; then
    say "pytorch reference ($threads threads, OpenBLAS ${openblas_dir:-default})"
    LD_LIBRARY_PATH="${openblas_dir}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OMP_NUM_THREADS="$threads" \
        "$py" tools/bench-plain/bench_torch.py "$repeats" "$mlp_window" "$dcgan_window" "$threads" >"$work/torch.json"
fi

# ---- 4-6. exchange, health, checkpoint ----
if has exchange; then
    say "exchange and health"
    dotnet "$bench" exchange --repeats "$repeats" --seconds 1 >"$work/exchange.json" 2>"$work/exchange.log"
fi
if has checkpoint; then
    say "checkpoint"
    dotnet "$bench" checkpoint --repeats "$repeats" --db "$work/checkpoints.db" >"$work/checkpoint.json" 2>"$work/checkpoint.log"
fi

# ---- table and JSON ----
python3 - "$work" "$out_json" "$mlp_window" "$dcgan_window" "$repeats" "$half" "$worker_options" <<'PY'
import json, os, platform, statistics, subprocess, sys, datetime
work, out, mlp_window, dcgan_window, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
half, worker_options = int(sys.argv[6]), sys.argv[7].strip()

def stats(v):
    v = [x for x in v if x == x]
    return {"min": min(v), "median": statistics.median(v), "max": max(v), "n": len(v), "values": v} if v else None

def local(name):
    rows = [json.loads(l) for l in open(f"{work}/local-{name}.jsonl")]
    rows = rows[1:]  # warm-up window
    return {"steps_per_s": stats([r["speed/steps_per_s"] for r in rows]),
            "last_round_phases_ms": {k: rows[-1][k] for k in rows[-1] if k.startswith("time/")}}

def load(name):
    path = f"{work}/{name}"
    return json.load(open(path)) if os.path.exists(path) else None

coord = [json.loads(l) for l in open(f"{work}/coordinator.jsonl") if "StepsPerSecond" in l] if os.path.exists(f"{work}/coordinator.jsonl") else []
def cluster(name, window):
    eid = open(f"{work}/cluster-{name}.id").read().strip()
    lines = sorted((r for r in coord if r.get("ExperimentId") == eid), key=lambda r: r["Round"])
    # log-every is dcgan_window rounds; group consecutive summaries into windows of `window` rounds.
    windows, rounds, secs = [], 0, 0.0
    prev = 0
    for r in lines:
        n = r["Round"] - prev
        prev = r["Round"]
        rounds += n
        secs += n / r["StepsPerSecond"]
        if rounds >= window:
            windows.append(rounds / secs)
            rounds, secs = 0, 0.0
    last = lines[-1]
    return {"steps_per_s": stats(windows[1:]),
            "last_round_phases_ms": {k: last[k] for k in ("GForwardMs", "DStepMs", "FeedbackMs", "GUpdateMs", "RoundMs")}}

torch_ = load("torch.json")
ex = load("exchange.json")
ck = (load("checkpoint.json") or {}).get("checkpoint")

res = {
    "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cores": os.cpu_count(), "platform": platform.platform()},
    "git": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
    "repeats": repeats,
    "worker_args": worker_options,
    "models": {},
    "exchange": [],
}
if ex:
    res["health"] = {"ping_median_idle_ms": stats(ex["health"].get("ping_median_idle_ms", [])), "ping_p99_idle_ms": stats(ex["health"]["ping_p99_idle_ms"]), "ping_p99_bulk_ms": stats(ex["health"]["ping_p99_bulk_ms"]),
                     "ping_p99_channel_bulk_ms": stats(ex["health"].get("ping_p99_channel_bulk_ms", [])), "bulk": ex["health"]["bulk"]}
if ck:
    res["checkpoint"] = {"bytes": ck["bytes"], **{k: stats(ck[k]) for k in ("take_ms", "store_ms", "restore_ms", "store_plus_restore_ms")}}
if torch_:
    res["pytorch"] = {"version": torch_["torch"], "threads": torch_["threads"], "blas": torch_["blas"]}
for name, preset, window, tkey in (("mlp", "mlp-mnist batch 100", mlp_window, "mlp"), ("dcgan", "dcgan-64 batch 16", dcgan_window, "dcgan")):
    m = {"preset": preset, "window_rounds": window}
    if os.path.exists(f"{work}/local-{name}.jsonl"):
        m["local"] = local(name)
    if os.path.exists(f"{work}/local-{name}-share.jsonl"):
        m["local_share"] = local(f"{name}-share")
    if os.path.exists(f"{work}/cluster-{name}.id"):
        m["cluster"] = cluster(name, window)
    if torch_:
        m["pytorch"] = {"steps_per_s": stats(torch_[tkey])}
    if "local" in m and "cluster" in m:
        m["ratio_cluster_over_local"] = m["cluster"]["steps_per_s"]["median"] / m["local"]["steps_per_s"]["median"]
    if "local_share" in m and "cluster" in m:
        m["ratio_cluster_over_local_share"] = m["cluster"]["steps_per_s"]["median"] / m["local_share"]["steps_per_s"]["median"]
    if "local" in m and "pytorch" in m:
        m["ratio_local_over_pytorch"] = m["local"]["steps_per_s"]["median"] / m["pytorch"]["steps_per_s"]["median"]
    res["models"][name] = m
for e in (ex or {}).get("exchange", []):
    a, c, r = stats(e["akka_mb_s"]), stats(e["channel_mb_s"]), stats(e["raw_mb_s"])
    t = stats(e.get("channel_tls_mb_s", []))
    rt = stats(e.get("raw_tls_mb_s", []))
    res["exchange"].append({"bytes": e["bytes"], "channel_mb_s": c, "channel_rtt_ms": stats(e["channel_rtt_ms"]),
        "channel_tls_mb_s": t, "channel_tls_rtt_ms": stats(e.get("channel_tls_rtt_ms", [])),
        "ratio_channel_tls_over_channel": t["median"] / c["median"] if t else None,
        "raw_tls_mb_s": rt, "raw_tls_rtt_ms": stats(e.get("raw_tls_rtt_ms", [])),
        "ratio_channel_tls_over_raw_tls": t["median"] / rt["median"] if t and rt else None,
        "akka_mb_s": a, "akka_rtt_ms": stats(e["akka_rtt_ms"]),
        "raw_tcp_mb_s": r, "raw_tcp_rtt_ms": stats(e["raw_rtt_ms"]), "ratio_channel_over_raw": c["median"] / r["median"], "ratio_akka_over_raw": a["median"] / r["median"],
        "profile": {"client_gc_pause_ms_per_rt": stats(e.get("client_gc_pause_ms_per_rt", [])),
                    "client_gen2_gcs_per_rt": stats(e.get("client_gen2_gcs_per_rt", [])),
                    "serializer_to_binary_ms": e.get("serializer_to_binary_ms"), "serializer_from_binary_ms": e.get("serializer_from_binary_ms")}})

def f(s, p=1):
    return f"{s['min']:.{p}f} / {s['median']:.{p}f} / {s['max']:.{p}f}" if s else "-"
def g(m, *path, p=2):
    for k in path:
        m = m.get(k) if isinstance(m, dict) else None
    return f(m, p) if isinstance(m, dict) else "-"
def r(v, p):
    return f"{v:.{p}f}" if v is not None else "-"
print(f"GanCluster bench {res['when']}  ({res['machine']['cores']} cores, {repeats} repeats; min / median / max; worker options: {res['worker_args'] or 'none'})")
print()
print(f"{'model':<22}{'local steps/s':>24}{'local-share steps/s':>24}{'cluster steps/s':>24}{'pytorch steps/s':>24}{'cluster/local':>15}{'cluster/share':>15}{'local/pytorch':>15}")
for m in (m for m in res["models"].values() if len(m) > 2):
    print(f"{m['preset']:<22}{g(m, 'local', 'steps_per_s'):>24}{g(m, 'local_share', 'steps_per_s'):>24}{g(m, 'cluster', 'steps_per_s'):>24}{g(m, 'pytorch', 'steps_per_s'):>24}"
          f"{r(m.get('ratio_cluster_over_local'), 3):>15}{r(m.get('ratio_cluster_over_local_share'), 3):>15}{r(m.get('ratio_local_over_pytorch'), 2):>15}")
print(f"  (local-share: the local trainer with {half} torch thread(s), what each worker of the cluster gets on this machine)")
if res["exchange"]:
    print()
    print(f"{'payload bytes':<16}{'channel MB/s':>22}{'channel rtt ms':>22}{'remoting MB/s':>20}{'remoting rtt ms':>24}{'raw tcp MB/s':>24}{'raw rtt ms':>22}{'channel/raw':>13}{'remoting/raw':>14}")
    for e in res["exchange"]:
        print(f"{e['bytes']:<16}{f(e['channel_mb_s'], 0):>22}{f(e['channel_rtt_ms'], 3):>22}{f(e['akka_mb_s'], 0):>20}{f(e['akka_rtt_ms'], 2):>24}{f(e['raw_tcp_mb_s'], 0):>24}{f(e['raw_tcp_rtt_ms'], 3):>22}"
              f"{e['ratio_channel_over_raw']:>13.3f}{e['ratio_akka_over_raw']:>14.3f}")
    print()
    print(f"{'payload bytes':<16}{'TLS channel MB/s':>22}{'TLS channel rtt ms':>22}{'TLS/plain channel':>20}{'raw TLS MB/s':>22}{'raw TLS rtt ms':>22}{'TLS channel/raw TLS':>21}")
    for e in res["exchange"]:
        print(f"{e['bytes']:<16}{f(e['channel_tls_mb_s'], 0):>22}{f(e['channel_tls_rtt_ms'], 3):>22}{r(e['ratio_channel_tls_over_channel'], 3):>20}"
              f"{f(e['raw_tls_mb_s'], 0):>22}{f(e['raw_tls_rtt_ms'], 3):>22}{r(e['ratio_channel_tls_over_raw_tls'], 3):>21}")
    print("  (channel: the workers' exchange channel, a TCP socket of its own; TLS channel: the same over SslStream with the cluster's")
    print("   pinned certificate, what a TLS cluster uses; raw TLS: the channel's SslStream sockets with only the raw framing,")
    print("   the most .NET's TLS gives on this machine; remoting: Akka.Remote with the bulk sender's chunks;")
    print("   MB/s counts both directions of a round trip, 1 MB = 1e6 bytes)")
    for e in res["exchange"]:
        p = e["profile"]
        if p["client_gc_pause_ms_per_rt"]:
            print(f"  profile {e['bytes']}: client GC pause {p['client_gc_pause_ms_per_rt']['median']:.2f} ms/rt, gen2 GCs {p['client_gen2_gcs_per_rt']['median']:.2f}/rt, "
                  f"GanClusterSerializer to/from binary {p['serializer_to_binary_ms']:.3f} / {p['serializer_from_binary_ms']:.3f} ms per message (in process)")
print()
if "checkpoint" in res:
    c = res["checkpoint"]
    print(f"checkpoint dcgan-64 ({c['bytes']/1e6:.1f} MB, both halves + Adam): take {f(c['take_ms'], 0)} ms, store {f(c['store_ms'], 0)} ms, "
          f"restore {f(c['restore_ms'], 0)} ms, store+restore {f(c['store_plus_restore_ms'], 0)} ms")
if "health" in res:
    h = res["health"]
    print(f"health ping (remoting): idle median {f(h['ping_median_idle_ms'], 2)} ms, p99 idle {f(h['ping_p99_idle_ms'])} ms; p99 during bulk ({h['bulk']}) "
          f"on the exchange channel {f(h['ping_p99_channel_bulk_ms'])} ms, on remoting {f(h['ping_p99_bulk_ms'])} ms")
print()
for name, m in ((n, m) for n, m in res["models"].items() if len(m) > 2):
    print(f"phases of the last round ({name}): local {m.get('local', {}).get('last_round_phases_ms', '-')}; cluster {m.get('cluster', {}).get('last_round_phases_ms', '-')}")
json.dump(res, open(out, "w"), indent=2)
print(f"\nwritten: {out}")
PY
