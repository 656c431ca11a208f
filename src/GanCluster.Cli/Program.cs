using System.CommandLine;
using GanCluster.Cli;

var root = new RootCommand("GanCluster: distributed GAN training on Akka.NET and TorchSharp.")
{
    TrainCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
