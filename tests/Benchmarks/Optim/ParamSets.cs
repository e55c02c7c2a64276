using System.Collections.Generic;
using System.Linq;

namespace Benchmarks.Optim;

/// <summary>The parameter shapes the optimizer benchmarks step: resnet18's, and many small tensors.</summary>
public static class ParamSets
{
    /// <summary>resnet18's 62 parameter tensors (11,689,512 floats).</summary>
    public static IReadOnlyList<long[]> Resnet18 { get; } = BuildResnet18();

    /// <summary>1000 tensors of 256 floats and 10 of 65536: where per-tensor overhead dominates.</summary>
    public static IReadOnlyList<long[]> ManySmall { get; } =
        Enumerable.Repeat(new long[] { 256 }, 1000).Concat(Enumerable.Repeat(new long[] { 65536 }, 10)).ToList();

    public static IReadOnlyList<long[]> ByName(string name) => name == "resnet18" ? Resnet18 : ManySmall;

    private static List<long[]> BuildResnet18()
    {
        var shapes = new List<long[]> { new long[] { 64, 3, 7, 7 } };
        void BatchNorm(long c) { shapes.Add([c]); shapes.Add([c]); }
        BatchNorm(64);
        long inChannels = 64;
        foreach (long c in new long[] { 64, 128, 256, 512 })
            for (int block = 0; block < 2; block++)
            {
                long blockIn = block == 0 ? inChannels : c;
                shapes.Add([c, blockIn, 3, 3]); BatchNorm(c);
                shapes.Add([c, c, 3, 3]); BatchNorm(c);
                if (block == 0 && blockIn != c) { shapes.Add([c, blockIn, 1, 1]); BatchNorm(c); }
                inChannels = c;
            }
        shapes.Add([1000, 512]);
        shapes.Add([1000]);
        return shapes;
    }
}
