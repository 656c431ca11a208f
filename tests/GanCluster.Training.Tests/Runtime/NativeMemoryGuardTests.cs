using GanCluster.TestSupport;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;
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
    /// <summary>Every implicit conversion to TorchSharp's Scalar in the C# files under <paramref name="folder"/>, as "file:line: expression".</summary>
    /// <param name="folder">The sources to compile and search.</param>
    /// <param name="projectAssemblies">The GanCluster assemblies those sources build against (none for the product's own sources).</param>
    private static List<string> ImplicitScalars(string folder, params string[] projectAssemblies)
    {
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .ToList();
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, path: f))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "ImplicitUsings.cs"))
            .ToList();
        // The runtime's assemblies and the test's own dependencies (TorchSharp, Akka's and the others the project uses).
        var references = Directory.EnumerateFiles(ReferenceAssemblies(), "*.dll")
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll").Where(d => !Path.GetFileName(d).StartsWith("GanCluster.", StringComparison.Ordinal)))
            .Concat(projectAssemblies.Select(a => Path.Combine(AppContext.BaseDirectory, a + ".dll")))
            .Where(IsManagedAssembly)
            .GroupBy(Path.GetFileName)
            .Select(g => MetadataReference.CreateFromFile(g.First()))
            .ToList();
        var compilation = CSharpCompilation.Create("guard", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        // Every call must bind, or a conversion inside it would go unseen (source-generated members aside: no generators run here).
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id is not "CS8795").ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors.Take(10)));

        var found = new List<string>();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            // The operation trees of every body and initializer (lambdas and local functions are inside them).
            var roots = tree.GetRoot().DescendantNodes()
                .Where(n => n is Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.AccessorDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.ArrowExpressionClauseSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.EqualsValueClauseSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.PrimaryConstructorBaseTypeSyntax)
                .Select(n => model.GetOperation(n))
                .OfType<IOperation>();
            foreach (var operation in roots.SelectMany(r => r.DescendantsAndSelf()))
            {
                if (operation is IConversionOperation { IsImplicit: true, OperatorMethod.ContainingType: { Name: "Scalar" } scalar } conversion
                    && scalar.ContainingNamespace.ToDisplayString() == "TorchSharp")
                {
                    var line = tree.GetLineSpan(conversion.Operand.Syntax.Span).StartLinePosition.Line + 1;
                    found.Add($"{Path.GetRelativePath(folder, tree.FilePath)}:{line}: {conversion.Operand.Syntax}");
                }
            }
        }

        return found.Distinct().ToList();
    }

    // What the SDK's ImplicitUsings adds to every project (the generated GlobalUsings.g.cs is not part of the sources).
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>The SDK's reference assemblies of this runtime (what the compiler builds against), else the runtime's own.</summary>
    private static string ReferenceAssemblies()
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var packs = Path.GetFullPath(Path.Combine(runtime, "..", "..", "packs", "Microsoft.NETCore.App.Ref"));
        var framework = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        var newest = Directory.Exists(packs)
            ? Directory.EnumerateDirectories(packs).Select(d => Path.Combine(d, "ref", framework)).Where(Directory.Exists).OrderBy(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(d))), out var v) ? v : new Version()).LastOrDefault()
            : null;
        return newest ?? runtime;
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            System.Reflection.AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }

    [Fact]
    public void Training_code_converts_no_value_to_a_torch_scalar_implicitly()
    {
        var found = ImplicitScalars(Path.Combine(RepositoryRoot.Path, "src", "GanCluster.Training"));

        Assert.True(found.Count == 0, $"implicit TorchSharp scalars (use KeptScalars or hold a ToScalar() with using):{Environment.NewLine}{string.Join(Environment.NewLine, found)}");
    }

    [Fact]
    public void Training_tests_convert_no_value_to_a_torch_scalar_implicitly()
    {
        // The tests' hand-computed references run beside the product's threads and collections as well: a temporary
        // scalar freed mid-call failed a clean-clone CI run ("Unknown scalar type", LapganFamilyTests, stop 42).
        var found = ImplicitScalars(Path.Combine(RepositoryRoot.Path, "tests", "GanCluster.Training.Tests"), "GanCluster.Training", "GanCluster.TestSupport");

        Assert.True(found.Count == 0, $"implicit TorchSharp scalars (use KeptScalars or hold a ToScalar() with using):{Environment.NewLine}{string.Join(Environment.NewLine, found)}");
    }

    [Fact]
    public void The_guard_sees_an_implicit_scalar()
    {
        // The test above must be able to fail: the shape of the WeightAverage defect it would have caught.
        var folder = Directory.CreateTempSubdirectory("gancluster-guard-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "Average.cs"), """
                using static TorchSharp.torch;
                public static class Average
                {
                    public static void Update(Tensor average, Tensor weight, double beta) => average.mul_(beta).add_(weight, alpha: 1.0 - beta);
                }
                """);
            Assert.Equal(["Average.cs:4: beta", "Average.cs:4: 1.0 - beta"], ImplicitScalars(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
