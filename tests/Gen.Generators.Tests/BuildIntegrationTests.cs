using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Gen.Generators.Tests;

/// <summary>A real <c>dotnet build</c> of a user project: a GEN error must fail the build and name the problem.</summary>
public class BuildIntegrationTests
{
    [Fact]
    public void Dotnet_build_of_a_project_with_an_ordering_cycle_fails_naming_the_cycle()
    {
        var dir = Directory.CreateTempSubdirectory("gen-build-");
        try
        {
            var bin = AppContext.BaseDirectory;
            File.WriteAllText(Path.Combine(dir.FullName, "User.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable></PropertyGroup>
                  <ItemGroup>
                    <Reference Include="{bin}Gen.Runtime.dll" />
                    <Reference Include="{bin}TorchSharp.dll" />
                    <Analyzer Include="{bin}Gen.Generators.dll" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir.FullName, "Callbacks.cs"), """
                using Gen;
                [RunAfter(typeof(Saver))] public sealed partial class Logger : Callback { [Event] void AfterEpoch() { } }
                [RunAfter(typeof(Logger))] public sealed partial class Saver : Callback { [Event] void AfterEpoch() { } }
                """);
            var (exitCode, output) = Run("dotnet", $"build \"{dir.FullName}\" -nologo -p:NuGetAudit=false", dir.FullName);
            Assert.NotEqual(0, exitCode);
            Assert.Contains("error GEN0004: The run_before/run_after constraints form a cycle: Logger -> Saver -> Logger", output);
        }
        finally { dir.Delete(recursive: true); }
    }

    private static (int ExitCode, string Output) Run(string file, string arguments, string workingDirectory)
    {
        var psi = new ProcessStartInfo(file, arguments) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}
