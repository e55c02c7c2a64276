using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Xunit;

namespace Gen.Package.Tests;

/// <summary>
/// Gen as a user meets it: <c>dotnet pack</c> at the repository root, then new projects that reference only the package
/// and a libtorch bundle; a user's callback and optimizer are compiled by the packaged generator and train, and an
/// ordering cycle is a compile error on the user's line.
/// </summary>
public sealed class PackageTests(PackedGen packed) : IClassFixture<PackedGen>
{
    [Fact]
    public void The_root_pack_makes_one_package_with_the_assemblies_the_generator_and_the_native_fix()
    {
        Assert.Equal([$"Gen.{packed.Version}.nupkg"], Directory.GetFiles(packed.Feed, "*.nupkg").Select(f => Path.GetFileName(f)!).ToArray());
        using var zip = ZipFile.OpenRead(packed.Package);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Subset(entries, new[]
        {
            "lib/net10.0/Gen.Runtime.dll", "lib/net10.0/Gen.Callbacks.dll", "lib/net10.0/Gen.Runtime.xml", "lib/net10.0/Gen.Callbacks.xml",
            "analyzers/dotnet/cs/Gen.Generators.dll",
            "buildTransitive/Gen.targets", "buildTransitive/TorchSharpNativeFix.targets", "README.md", "LICENSE",
        }.ToHashSet());
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/") && e.Contains("Generators"));
        Assert.DoesNotContain(entries, e => e.Contains("Tests") || e.Contains("Benchmarks") || e.Contains("FashionMnist"));

        var nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName == "Gen.nuspec").Open());
        var ns = nuspec.Root!.Name.Namespace;
        var metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("Gen", metadata.Element(ns + "id")!.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")!.Value);
        Assert.NotNull(metadata.Element(ns + "repository")!.Attribute("url"));
        var dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).ToList();
        Assert.Contains("TorchSharp", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("libtorch") || d.StartsWith("TorchSharp-") || d.StartsWith("Gen."));
    }

    [Fact]
    public void A_new_project_with_only_the_package_builds_and_trains_with_its_own_callback_and_optimizer()
    {
        var dir = packed.NewProject("Trainer", """
            using System;
            using System.Linq;
            using Gen;
            using static TorchSharp.torch;

            manual_seed(0);
            var x = randn(256, 2);
            var y = (x[.., 0] * x[.., 1]).gt(0).to(int64);
            using var dls = DataLoaders.FromTensors(x, y, x, y, batchSize: 32, seed: 0);
            var model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2));
            var before = model.parameters().First().data<float>().ToArray();
            var counter = new CountAfterRecorder();
            using var learn = new Learner(model, dls, (p, t) => nn.functional.cross_entropy(p, t),
                optFunc: PlainSgd.Create, lr: 0.1, cbs: [counter, Progress.Quiet()]);
            learn.Fit(2);
            var after = model.parameters().First().data<float>().ToArray();
            Console.WriteLine($"batches {counter.Batches}");
            Console.WriteLine($"after the recorder {counter.AfterRecorder}");
            Console.WriteLine($"weights moved {!before.SequenceEqual(after)}");
            Console.WriteLine($"optimizer {learn.Opt!.GetType().Name}");

            /// <summary>Counts training batches; sees the Recorder's count already updated because it runs after it.</summary>
            [RunAfter(typeof(Recorder))]
            public sealed partial class CountAfterRecorder : Callback
            {
                public int Batches { get; private set; }
                public bool AfterRecorder { get; private set; } = true;

                [Event]
                void AfterBatch(Learner learn)
                {
                    if (!learn.Training) return;
                    Batches++;
                    AfterRecorder &= learn.Get<Recorder>()!.Losses.Count == Batches;
                }
            }

            public static class MySteps
            {
                [Step] public static void Descend(ref float p, float grad, float lr) => p -= lr * grad;
            }

            [Optimizer(typeof(MySteps), nameof(MySteps.Descend))]
            public sealed partial class PlainSgd;
            """);
        var (buildExit, build) = PackedGen.Run("dotnet", "build -nologo", dir);
        Assert.True(buildExit == 0, $"the new project did not build:\n{build}");
        var (runExit, output) = PackedGen.Run("dotnet", "run --no-build", dir);
        Assert.True(runExit == 0, $"the new project did not run:\n{output}");
        Assert.Contains("batches 16", output);             // 256 samples / 32 per batch, 2 epochs
        Assert.Contains("after the recorder True", output);
        Assert.Contains("weights moved True", output);
        Assert.Contains("optimizer PlainSgd", output);
    }

    [Fact]
    public void A_run_before_cycle_in_a_new_project_is_GEN0004_on_the_users_line()
    {
        var dir = packed.NewProject("Cycle", """
            using Gen;

            System.Console.WriteLine("never built");

            [RunBefore(typeof(Second))]
            public sealed partial class First : Callback
            {
                [Event] void AfterBatch() { }
            }

            [RunAfter(typeof(First))]
            [RunBefore(typeof(First))]
            public sealed partial class Second : Callback
            {
                [Event] void AfterBatch() { }
            }
            """);
        var (exit, output) = PackedGen.Run("dotnet", "build -nologo", dir);
        Assert.NotEqual(0, exit);
        var program = Path.Combine(dir, "Program.cs");
        Assert.Contains($"{program}(5,2): error GEN0004: The run_before/run_after constraints form a cycle: First -> Second -> First", output);
        Assert.Contains($"{program}(12,2): error GEN0004", output);
    }
}
