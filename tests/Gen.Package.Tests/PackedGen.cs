using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Xunit;

namespace Gen.Package.Tests;

/// <summary>
/// Gen packed once for the tests: <c>dotnet pack</c> of the repository into a temporary feed, under a version of its own
/// (so that NuGet's cache never serves an older build), and new projects that reference only that package and a
/// libtorch bundle. The package is removed from the NuGet cache afterwards.
/// </summary>
public sealed class PackedGen : IDisposable
{
    public PackedGen()
    {
        Version = $"0.0.0-test.{Guid.NewGuid():N}"[..22];
        Root = Directory.CreateTempSubdirectory("gen-package-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(Root, "feed")).FullName;
        // The README's command (its restore is a no-op after the solution's own: nothing is rewritten).
        var (exit, output) = Run("dotnet", $"pack \"{RepositoryRoot}\" -c Release -o \"{Feed}\" -p:Version={Version} -nologo", RepositoryRoot);
        Assert.True(exit == 0, $"dotnet pack failed:\n{output}");
        Package = Path.Combine(Feed, $"Gen.{Version}.nupkg");
        Assert.True(File.Exists(Package), $"dotnet pack wrote no Gen.{Version}.nupkg:\n{output}");
    }

    public string Version { get; }
    public string Root { get; }
    public string Feed { get; }
    public string Package { get; }

    public static string RepositoryRoot { get; } =
        typeof(PackedGen).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary>The libtorch CPU bundle for this machine, as an application picks it.</summary>
    public static string LibTorchPackage => RuntimeInformation.RuntimeIdentifier switch
    {
        var rid when rid.StartsWith("win", StringComparison.Ordinal) => "libtorch-cpu-win-x64",
        var rid when rid.StartsWith("osx", StringComparison.Ordinal) => "libtorch-cpu-osx-arm64",
        _ => "libtorch-cpu-linux-x64",
    };

    /// <summary>A new console project with <paramref name="program"/> that references Gen from the test feed and the libtorch bundle.</summary>
    public string NewProject(string name, string program)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="gen-test-feed" value="{Feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(dir, $"{name}.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Gen" Version="{Version}" />
                <PackageReference Include="{LibTorchPackage}" Version="2.10.0" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), program);
        return dir;
    }

    public static (int ExitCode, string Output) Run(string file, string arguments, string workingDirectory)
    {
        var psi = new ProcessStartInfo(file, arguments) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var cached = Path.Combine(cache, "gen", Version);
        if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
    }
}
