using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Gen.Callbacks.Tests;

/// <summary>
/// Kill-and-resume with real processes (tests/ResumeChild): a one-cycle fit whose process exits right after
/// <c>learn.Save</c> in after_epoch, resumed by a new process with <c>learn.Load</c> and <c>FitOneCycle(..., startEpoch: k)</c>,
/// ends with the same weights and the same Recorder history (losses, lrs, moms, epoch rows), bit for bit, as the fit that
/// ran without a break.
/// </summary>
public class CheckpointResumeTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_fit_killed_after_saving_and_resumed_in_a_new_process_ends_bit_for_bit_as_the_whole_fit(int savedAfterEpoch)
    {
        var folder = Directory.CreateTempSubdirectory("gen-resume-").FullName;
        try
        {
            string whole = Path.Combine(folder, "whole.bin"), resumed = Path.Combine(folder, "resumed.bin"), checkpoint = Path.Combine(folder, "fit.ckpt");
            Child("whole", whole);
            Child("interrupt", checkpoint, $"{savedAfterEpoch}");
            Assert.True(File.Exists(checkpoint));
            Assert.False(File.Exists(resumed));
            var output = Child("resume", checkpoint, $"{savedAfterEpoch}", resumed);
            Assert.Equal(File.ReadAllBytes(whole), File.ReadAllBytes(resumed));
            Assert.Contains("recorded epochs: 4", output);   // the loaded history plus the resumed epochs
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    /// <summary>Runs tests/ResumeChild (built next to this assembly) in its own process; returns its standard output.</summary>
    private static string Child(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ResumeChild.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, $"ResumeChild {string.Join(' ', args)} exited with {child.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
