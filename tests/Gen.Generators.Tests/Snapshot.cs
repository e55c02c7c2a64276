using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace Gen.Generators.Tests;

/// <summary>
/// Snapshot assertions: compares text with <c>Snapshots/{name}.verified.cs</c> beside the tests. A mismatch
/// or a missing snapshot writes <c>{name}.received.cs</c> and fails; <c>UPDATE_SNAPSHOTS=1</c> rewrites
/// the verified file instead (never on CI).
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, string name, [CallerFilePath] string callerFile = "")
    {
        var directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        var verified = Path.Combine(directory, name + ".verified.cs");
        var received = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        bool onCi = Environment.GetEnvironmentVariable("CI") == "true";
        if (!onCi && Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }
        var expected = File.Exists(verified) ? File.ReadAllText(verified).Replace("\r\n", "\n") : null;
        if (expected == actual) { File.Delete(received); return; }
        if (!onCi) { Directory.CreateDirectory(directory); File.WriteAllText(received, actual); }
        Assert.Fail(expected is null
            ? $"No snapshot {verified}. Review {received} and rerun with UPDATE_SNAPSHOTS=1 to accept it."
            : $"Generated code differs from {verified}; see {received}. Rerun with UPDATE_SNAPSHOTS=1 to accept the change.");
    }
}
