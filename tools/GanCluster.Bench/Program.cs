using System.CommandLine;
using GanCluster.Bench;

// gancluster-bench exchange | exchange-peer | checkpoint: each prints one JSON object (see scripts/bench.sh).
var root = BenchCommand.Create();
return await root.Parse(args).InvokeAsync();
