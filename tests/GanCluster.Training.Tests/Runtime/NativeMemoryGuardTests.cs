using GanCluster.TestSupport;
using TorchSharp;

namespace GanCluster.Training.Tests.Runtime;

/// <summary>
/// The native crash's cause, guarded at the source: TorchSharp frees a <see cref="Scalar"/> in its finalizer, so a value
/// converted to a scalar implicitly (<c>t.mul_(beta)</c>, <c>t.div(255f)</c>, <c>t * 0.5</c>) is garbage while libtorch
/// reads it, and a collection on another thread frees it mid-call (a c10 "toDouble" error or a SIGSEGV, at random).
/// This test compiles GanCluster.Training's sources with Roslyn and lists every implicit conversion to a TorchSharp
/// scalar; there must be none: constants come from <c>KeptScalars</c>, varying values are held with
/// <c>using var s = v.ToScalar()</c> until the call returns. (Scalars TorchSharp makes inside its own methods, such as
/// the alpha of <c>add(t)</c>, are not visible here: those were audited by hand and run under GANCLUSTER_GC_STRESS=2.)
/// </summary>
public sealed class NativeMemoryGuardTests
{
    [Fact]
    public void Training_code_converts_no_value_to_a_torch_scalar_implicitly() => TorchScalarScan.AssertNone("src/GanCluster.Training");

    // The tests' hand-computed references run beside the product's threads and collections as well: a temporary scalar
    // freed mid-call failed a clean-clone CI run ("Unknown scalar type", LapganFamilyTests, stop 42).
    [Fact]
    public void Training_tests_convert_no_value_to_a_torch_scalar_implicitly() => TorchScalarScan.AssertNone("tests/GanCluster.Training.Tests");

    /// <summary>The guard's findings in one planted source file, compiled on its own in a temporary folder.</summary>
    private static List<string> ScanPlanted(string file, string source)
    {
        var folder = Directory.CreateTempSubdirectory("gancluster-guard-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, file), source);
            return TorchScalarScan.ImplicitScalars(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_guard_sees_an_implicit_scalar()
    {
        // The test above must be able to fail: the shape of the WeightAverage defect it would have caught.
        Assert.Equal(["Average.cs:4: beta", "Average.cs:4: 1.0 - beta"], ScanPlanted("Average.cs", """
            using static TorchSharp.torch;
            public static class Average
            {
                public static void Update(Tensor average, Tensor weight, double beta) => average.mul_(beta).add_(weight, alpha: 1.0 - beta);
            }
            """));
    }

    [Fact]
    public void The_guard_sees_an_implicit_scalar_in_a_programs_top_level_statements()
    {
        // The CLI's Program.cs is top-level statements, compiled as an executable and searched like any method body (a
        // statement, not only a declaration's initializer).
        Assert.Equal(["Program.cs:3: scale"], ScanPlanted("Program.cs", """
            using static TorchSharp.torch;
            var scale = args.Length;
            ones(3).mul(scale).Dispose();
            """));
    }
}
