using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;
using Xunit;

namespace GanCluster.TestSupport;

/// <summary>
/// Finds the native crash's cause in source: every implicit conversion of a value to a TorchSharp <c>Scalar</c>, whose
/// temporary TorchSharp frees in its finalizer, possibly while libtorch still reads it (see NativeMemoryGuardTests in
/// each test project). Compiles a folder of C# sources with Roslyn against the calling test's output folder, so each
/// test project scans the sources whose dependencies it carries.
/// </summary>
public static class TorchScalarScan
{
    /// <summary>
    /// Fails, listing them, when the project at <paramref name="project"/> (a folder relative to the repository root)
    /// converts any value to a TorchSharp scalar implicitly.
    /// </summary>
    public static void AssertNone(string project)
    {
        var found = ImplicitScalars(Path.Combine(RepositoryRoot.Path, project));
        Assert.True(found.Count == 0, $"implicit TorchSharp scalars in {project} (use KeptScalars or hold a ToScalar() with using):{Environment.NewLine}{string.Join(Environment.NewLine, found)}");
    }

    /// <summary>Every implicit conversion to TorchSharp's Scalar in the C# files under <paramref name="folder"/>, as "file:line: expression".</summary>
    /// <param name="folder">The sources to compile and search. They build against the assemblies in the calling test's
    /// output folder (which holds the project's references when the test project references it) other than the
    /// project's own.</param>
    public static List<string> ImplicitScalars(string folder)
    {
        var assembly = AssemblyNameOf(folder);
        var files = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .ToList();
        var parse = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), parse, path: f))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, parse, path: "ImplicitUsings.cs"))
            .ToList();
        // The runtime's and ASP.NET Core's assemblies (the node's dashboard) and the test's own output (TorchSharp, Akka's,
        // the GanCluster projects), less the assembly these sources build: they take its place.
        var references = Directory.EnumerateFiles(ReferenceAssemblies("Microsoft.NETCore.App"), "*.dll")
            .Concat(Directory.EnumerateFiles(ReferenceAssemblies("Microsoft.AspNetCore.App"), "*.dll"))
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll").Where(d => !Path.GetFileNameWithoutExtension(d).Equals(assembly, StringComparison.OrdinalIgnoreCase)))
            .Where(IsManagedAssembly)
            .GroupBy(Path.GetFileName)
            .Select(g => MetadataReference.CreateFromFile(g.First()))
            .ToList();
        // A program's top-level statements compile only into an executable.
        var kind = trees.Any(t => t.GetRoot().ChildNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Any())
            ? OutputKind.ConsoleApplication
            : OutputKind.DynamicallyLinkedLibrary;
        var compilation = CSharpCompilation.Create(assembly, trees, references,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
        // Every call must bind, or a conversion inside it would go unseen (source-generated members aside: no generators run here).
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id is not "CS8795").ToList();
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors.Take(10)));

        var found = new List<string>();
        foreach (var tree in trees)
        {
            var model = compilation.GetSemanticModel(tree);
            // The operation trees of every body and initializer, and of a program's top-level statements (lambdas and local
            // functions are inside them).
            var roots = tree.GetRoot().DescendantNodes()
                .Where(n => n is Microsoft.CodeAnalysis.CSharp.Syntax.BaseMethodDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.AccessorDeclarationSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.ArrowExpressionClauseSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.EqualsValueClauseSyntax
                    or Microsoft.CodeAnalysis.CSharp.Syntax.PrimaryConstructorBaseTypeSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax)
                .Select(n => model.GetOperation(n is Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax global ? global.Statement : n))
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

    /// <summary>The assembly a project folder builds: its project file's AssemblyName, else the folder's name.</summary>
    private static string AssemblyNameOf(string folder)
    {
        var project = Directory.EnumerateFiles(folder, "*.csproj").FirstOrDefault();
        var name = project is null ? null : System.Xml.Linq.XDocument.Load(project).Descendants("AssemblyName").FirstOrDefault()?.Value;
        return name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(folder));
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

    /// <summary>The SDK's reference assemblies of a shared framework at this runtime's version (what the compiler builds
    /// against), else the framework's installed runtime assemblies.</summary>
    /// <param name="framework">Microsoft.NETCore.App or Microsoft.AspNetCore.App.</param>
    private static string ReferenceAssemblies(string framework)
    {
        var netcore = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var root = Path.GetFullPath(Path.Combine(netcore, "..", "..", ".."));
        var runtime = Path.Combine(root, "shared", framework, Path.GetFileName(netcore));
        var packs = Path.Combine(root, "packs", framework + ".Ref");
        var moniker = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        var newest = Directory.Exists(packs)
            ? Directory.EnumerateDirectories(packs).Select(d => Path.Combine(d, "ref", moniker)).Where(Directory.Exists).OrderBy(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(d))), out var v) ? v : new Version()).LastOrDefault()
            : null;
        return newest ?? (Directory.Exists(runtime) ? runtime : throw new DirectoryNotFoundException($"neither {packs} nor {runtime} holds {framework}'s assemblies"));
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

}
