global using Xunit;
global using GanCluster.TestSupport;
