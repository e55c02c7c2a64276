using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;

namespace Gen.TestSupport;

/// <summary>
/// fastai's reference values: the copy shipped with the tests, plus every <c>*.json</c> in the directory
/// named by <c>GEN_REFERENCE_DIR</c> when that is set (held-out cases of the same schema).
/// </summary>
public static class ReferenceFiles
{
    /// <summary>Each file by its full path (two directories may hold files of the same name).</summary>
    public static IReadOnlyList<(string Name, JsonNode Root)> All { get; } = Load();

    private static List<(string, JsonNode)> Load()
    {
        var files = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "reference"), "*.json").ToList();
        var extra = Environment.GetEnvironmentVariable("GEN_REFERENCE_DIR");
        if (!string.IsNullOrEmpty(extra))
        {
            if (!Directory.Exists(extra)) throw new DirectoryNotFoundException($"GEN_REFERENCE_DIR is set to '{extra}', which is not a directory.");
            files.AddRange(Directory.GetFiles(extra, "*.json"));
        }
        return files.Select(f => (Path.GetFullPath(f), JsonNode.Parse(File.ReadAllText(f))!)).ToList();
    }
}
