using GanCluster.Training.Runtime;

namespace GanCluster.Training.Tests.Runtime;

public sealed class ComputeDevicesTests
{
    [Fact]
    public void This_cpu_build_reports_the_cpu_with_its_model_cores_and_memory()
    {
        var line = ComputeDevices.Describe();

        Assert.Equal("cpu", TorchRuntime.Backend);
        Assert.StartsWith("cpu: ", line, StringComparison.Ordinal);
        Assert.Contains($"({Environment.ProcessorCount} core", line, StringComparison.Ordinal);
        Assert.Matches(@" GiB\)$", line);
        if (ComputeDevices.ParseCpuModel(File.ReadAllText("/proc/cpuinfo")) is { } model)
        {
            Assert.StartsWith($"cpu: {model} (", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_cpu_line_is_built_from_its_parts()
    {
        Assert.Equal("cpu: AMD EPYC 7B13 (2 cores, 24.0 GiB)", ComputeDevices.Cpu("AMD EPYC 7B13", 2, 24L << 30));
        Assert.Equal("cpu: unknown model (1 core, 0.5 GiB)", ComputeDevices.Cpu(null, 1, 512L << 20));
    }

    [Fact]
    public void Nvidia_smi_rows_become_index_name_and_memory_in_GiB()
    {
        const string output = "0, NVIDIA A100-SXM4-40GB, 40960\n1, NVIDIA L4, 23034\n\n";

        Assert.Equal(["0 NVIDIA A100-SXM4-40GB (40.0 GiB)", "1 NVIDIA L4 (22.5 GiB)"], ComputeDevices.ParseNvidiaSmi(output));
        Assert.Empty(ComputeDevices.ParseNvidiaSmi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."));
        Assert.Equal(["0 Tesla T4 (15.0 GiB)"], ComputeDevices.ParseNvidiaSmi("0, Tesla T4, [N/A]\n0, Tesla T4, 15360"));
    }

    [Fact]
    public void The_cpu_model_is_the_model_name_line_of_cpuinfo()
    {
        const string cpuinfo = "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7B13 64-Core Processor\nflags\t\t: fpu\n";

        Assert.Equal("AMD EPYC 7B13 64-Core Processor", ComputeDevices.ParseCpuModel(cpuinfo));
        Assert.Null(ComputeDevices.ParseCpuModel("processor\t: 0\n"));
    }
}
