#!/usr/bin/env bash
# Starts a coordinator, a generator and a discriminator as separate processes on loopback, logging to a
# folder; Ctrl-C (or SIGTERM) stops all of them cleanly. Then submit from another terminal:
#   dotnet src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll submit cluster-config/experiments/mlp-mnist.json
# Usage: scripts/start-local-cluster.sh [--data DIR] [--port PORT]   (defaults: .local/cluster, 4053)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

data=".local/cluster"
port=4053
while [ $# -gt 0 ]; do
    case "$1" in
        --data) data="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        *) echo "usage: $0 [--data DIR] [--port PORT]" >&2; exit 2 ;;
    esac
done

exe="src/GanCluster.Cli/bin/Release/net10.0/gancluster.dll"
[ -f "$exe" ] || dotnet build src/GanCluster.Cli -c Release -v quiet -nologo
mkdir -p "$data/logs"

pids=()
stop() {
    trap - INT TERM EXIT
    echo "stopping the local cluster..."
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait "${pids[@]}" 2>/dev/null || true
    echo "stopped"
}
trap stop INT TERM EXIT

# A native fault (SIGSEGV inside libtorch) cannot be logged by the process itself: the runtime writes a crash report
# (the faulting thread's managed and native stack) beside the logs instead, and the process exits non-zero.
export DOTNET_DbgEnableMiniDump=1 DOTNET_DbgMiniDumpType=1 DOTNET_EnableCrashReport=1
start() {
    local name="$1"; shift
    export DOTNET_DbgMiniDumpName="$data/logs/$name-crash-%p.dmp"
    dotnet "$exe" node --data "$data" --logs "$data/logs" "$@" >"$data/logs/$name.out" 2>&1 &
    pids+=($!)
    echo "$name: pid $! (log $data/logs/$name.out)"
}

# The two workers share this machine: each gets half of its cores for TorchSharp, so that when both compute at
# once (the discriminator steps while the generator produces) they do not oversubscribe it.
threads=$(( $(nproc) / 2 )); [ "$threads" -ge 1 ] || threads=1
start coordinator --roles coordinator --port "$port" --seeds "127.0.0.1:$port"
start generator --roles generator --port 0 --seeds "127.0.0.1:$port" --torch-threads "$threads"
start discriminator --roles discriminator --port 0 --seeds "127.0.0.1:$port" --torch-threads "$threads"
echo "local cluster on 127.0.0.1:$port; Ctrl-C stops it"
wait "${pids[@]}"
