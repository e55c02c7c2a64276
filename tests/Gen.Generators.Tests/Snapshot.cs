using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Xunit;

namespace Gen.Generators.Tests;

/// <summary>
/// Snapshot assertions: compares text with <c>Snapshots/{name}.verified.cs</c> beside the tests. A mismatch
/// or a missing snapshot writes <c>{name}.received.cs</c> and fails; <c>UPDATE_SNAPSHOTS=1</c> rewrites
/// the verified file instead (never on CI).
/// </summary>
internal static class Snapshot
{
    private static readonly string SnapshotDirectory = typeof(Snapshot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SnapshotDirectory").Value!;

    public static void Verify(string actual, string name)
    {
        var verified = Path.Combine(SnapshotDirectory, name + ".verified.cs");
        var received = Path.Combine(SnapshotDirectory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        bool onCi = Environment.GetEnvironmentVariable("CI") == "true";
        if (!onCi && Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(SnapshotDirectory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }
        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual) { File.Delete(received); return; }
        if (!onCi) { Directory.CreateDirectory(SnapshotDirectory); File.WriteAllText(received, actual); }
        Assert.Fail(expected is null
            ? $"No snapshot {verified}. Review {received} and rerun with UPDATE_SNAPSHOTS=1 to accept it."
            : $"Generated code differs from {verified}; see {received}. Rerun with UPDATE_SNAPSHOTS=1 to accept the change.");
    }
}
