using System;
using static TorchSharp.torch;

namespace QuickStart;

/// <summary>
/// Three interleaved spirals in the plane (a classic small problem a linear model cannot solve),
/// generated from a seed so the sample needs no download.
/// </summary>
public static class Spirals
{
    public static (Tensor X, Tensor Y) Make(int pointsPerClass, int classes, long seed)
    {
        var generator = new Generator((ulong)seed);
        var radius = linspace(0.05, 1, pointsPerClass).repeat(classes);
        var label = arange(classes).repeat_interleave(pointsPerClass);
        var angle = label * (2 * Math.PI / classes) + radius * 4 + 0.2 * randn(pointsPerClass * classes, generator: generator);
        var x = stack([radius * cos(angle), radius * sin(angle)], dim: 1).to(float32);
        return (x, label);
    }
}
