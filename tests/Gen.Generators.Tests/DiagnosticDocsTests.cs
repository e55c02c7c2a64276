extern alias generator;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;
using Descriptors = generator::Gen.Generators.Diagnostics.Descriptors;

namespace Gen.Generators.Tests;

/// <summary>Every diagnostic has a help page in docs/diagnostics, its descriptor links to it, and the README's table links to it.</summary>
public class DiagnosticDocsTests
{
    // The snapshot folder is tests/Gen.Generators.Tests/Snapshots: three levels below the repository root.
    private static readonly string Repository = Path.GetFullPath(Path.Combine(
        typeof(DiagnosticDocsTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SnapshotDirectory").Value!, "..", "..", ".."));

    private static string Pages => Path.Combine(Repository, "docs", "diagnostics");

    [Fact]
    public void Every_diagnostic_links_to_its_own_help_page_which_names_it()
    {
        var readme = File.ReadAllText(Path.Combine(Repository, "README.md"));
        foreach (var descriptor in Descriptors.Catalog)
        {
            Assert.Equal($"{Descriptors.HelpPages}{descriptor.Id}.md", descriptor.HelpLinkUri);
            var page = Path.Combine(Pages, $"{descriptor.Id}.md");
            Assert.True(File.Exists(page), $"{descriptor.Id} has no help page at docs/diagnostics/{descriptor.Id}.md");
            Assert.Equal($"# {descriptor.Id}: {descriptor.Title}", File.ReadLines(page).First());
            Assert.Contains($"(docs/diagnostics/{descriptor.Id}.md)", readme);
        }
    }

    [Fact]
    public void Every_help_page_is_for_a_diagnostic_the_generator_reports()
    {
        var ids = Descriptors.Catalog.Select(d => d.Id).ToHashSet();
        foreach (var page in Directory.GetFiles(Pages, "GEN*.md"))
            Assert.Contains(Path.GetFileNameWithoutExtension(page), ids);
    }
}
