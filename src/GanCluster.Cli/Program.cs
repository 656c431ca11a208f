using System.CommandLine;
using GanCluster.Cli;

var root = new RootCommand("GanCluster: distributed GAN training on Akka.NET and TorchSharp.")
{
    TrainCommand.Create(),
    NodeCommand.Create(),
    ExportCommand.Create(),
    BenchCommand.Create(),
    ClassifierCommand.Create(),
    EvaluateCommand.Create(),
    PresetsCommand.Create(),
    QualityReportCommand.Create(),
};
foreach (var command in ClientCommands.Create().Concat(MonitoringCommands.Create()))
{
    root.Subcommands.Add(command);
}

return await root.Parse(args).InvokeAsync();
