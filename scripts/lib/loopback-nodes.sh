# Sourced by the benchmarks that start their own cluster on loopback (scripts/lapgan-bench.sh, scripts/bench-grid25.sh).
# start_node NAME DATA CONTACT [node options...] starts one node process of $exe (logging to DATA/logs/NAME.out, under
# `nice -n $NODE_NICE` when set); stop_nodes stops the nodes started so far (SIGTERM, their own pids only) and runs on
# exit.
node_pids=()
stop_nodes() {
    for pid in "${node_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait "${node_pids[@]}" 2>/dev/null || true
    node_pids=()
}
trap stop_nodes EXIT INT TERM
start_node() {
    local name=$1 data=$2 contact=$3
    shift 3
    mkdir -p "$data/logs"
    ${NODE_NICE:+nice -n "$NODE_NICE"} dotnet "$exe" node --data "$data" --logs "$data/logs" --seeds "$contact" "$@" >"$data/logs/$name.out" 2>&1 &
    node_pids+=($!)
}
