using System.CommandLine;
using GanCluster.Cli;

// glibc's malloc thresholds, before any command allocates a tensor (GanCluster.Training.Runtime.NativeHeap says why).
GanCluster.Training.Runtime.NativeHeap.Configure();

var root = new RootCommand("GanCluster: distributed GAN training on Akka.NET and TorchSharp.")
{
    TrainCommand.Create(),
    NodeCommand.Create(),
    ExportCommand.Create(),
    ClassifierCommand.Create(),
    AttackCommand.Create(),
    EvaluateCommand.Create(),
    CompareCommand.Create(),
    CheckpointCommand.Create(),
    PresetsCommand.Create(),
    CertCommand.Create(),
    QualityReportCommand.Create(),
    SweepCommands.Create(),
};
foreach (var command in ClientCommands.Create().Concat(MonitoringCommands.Create()).Concat(CodecCommands.Create()))
{
    root.Subcommands.Add(command);
}

// Every command reports the problems it expects in one line. Anything else is a bug: still one line (no stack
// trace for the user), with the full exception on request for the bug report.
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("gancluster: cancelled");
    return 130;
}
catch (Exception e)
{
    var details = Environment.GetEnvironmentVariable("GANCLUSTER_DEBUG") == "1";
    Console.Error.WriteLine($"gancluster: unexpected error: {e.GetType().Name}: {e.Message}{(details ? string.Empty : " (set GANCLUSTER_DEBUG=1 for details to report)")}");
    if (details)
    {
        Console.Error.WriteLine(e);
    }

    return 1;
}
