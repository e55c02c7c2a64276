using System;
using System.Linq;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>Steps written with a class's constants, static values and helpers, as a user writes them.</summary>
public static class HelperSteps
{
    public const float Half = 0.5f;                       // unqualified in generated code, it would bind to System.Half
    internal static readonly float Scale = 3f;
    private static float Soft(float x) => x / (1f + MathF.Abs(x));
    private static float Twice(float x) => 2f * Soft(x);   // a helper calling a helper
    private static float Blend(float a, float b, float w = 0.25f) => a + w * (b - a);
    private static float Inv(float x) => 1 / x;   // called with an int: the division must stay a float one

    [Step] public static void Descend(ref float p, float grad, float lr) => p -= lr * Half * Twice(grad * Scale);

    /// <summary>Named arguments out of order and a default value.</summary>
    [Step] public static void Blended(ref float p, float grad, float lr) => p -= lr * Blend(b: grad, a: 0f) * Inv(2) * 2;

    /// <summary>A local named as the generator once named static values: it must stay the step's own.</summary>
    [Step]
    public static void Shadowing(ref float p, float grad, float lr)
    {
        float static0 = grad * 2;
        p -= lr * Scale * static0;
    }

    /// <summary>A local given a value per element: each element starts again from its declaration.</summary>
    [Step]
    public static void Branchy(ref float p, float grad, float lr)
    {
        var k = lr;
        if (grad > 0) k = 2 * lr;
        p -= k * grad;
    }
}

[Optimizer(typeof(HelperSteps), nameof(HelperSteps.Descend))] public sealed partial class HelperSgd;

[Optimizer(typeof(HelperSteps), nameof(HelperSteps.Branchy))] public sealed partial class BranchySgd;

[Optimizer(typeof(HelperSteps), nameof(HelperSteps.Blended))] public sealed partial class BlendedSgd;

[Optimizer(typeof(HelperSteps), nameof(HelperSteps.Shadowing))] public sealed partial class ShadowingSgd;

/// <summary>The generated optimizers against the same arithmetic written by hand, element by element, on both backends.</summary>
public class StepHelperTests
{
    private static (Parameter[] Params, float[][] Start, float[][] Grads) Case()
    {
        var generator = new Generator(11);
        var shapes = new long[][] { [300], [20, 7], [5] };
        var parameters = shapes.Select(s => new Parameter(randn(s, generator: generator))).ToArray();
        foreach (var p in parameters) p.grad = randn(p.shape, generator: generator) * 2;
        return (parameters, parameters.Select(p => p.data<float>().ToArray()).ToArray(),
                parameters.Select(p => { using var g = p.grad!; return g.data<float>().ToArray(); }).ToArray());
    }

    private static void AssertStep(FusedOptimizer opt, Parameter[] parameters, float[][] start, float[][] grads, Func<float, float, float> expected)
    {
        opt.Step();
        for (int i = 0; i < parameters.Length; i++)
        {
            var actual = parameters[i].data<float>().ToArray();
            for (int j = 0; j < actual.Length; j++)
            {
                float want = expected(start[i][j], grads[i][j]);
                Assert.True(Math.Abs(want - actual[j]) <= 1e-6 * Math.Max(1, Math.Abs(want)), $"param {i}[{j}]: expected {want}, got {actual[j]}");
            }
        }
    }

    private static float Soft(float x) => x / (1f + MathF.Abs(x));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Constants_static_values_and_helpers_keep_their_meaning_on_both_backends(bool tensorPath)
    {
        var (parameters, start, grads) = Case();
        using var opt = new HelperSgd(parameters, lr: 0.1) { UseTensorPath = tensorPath };
        AssertStep(opt, parameters, start, grads, (p, g) => p - 0.1f * 0.5f * (2f * Soft(g * 3f)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Named_arguments_and_defaults_reach_the_right_parameters(bool tensorPath)
    {
        var (parameters, start, grads) = Case();
        using var opt = new BlendedSgd(parameters, lr: 0.1) { UseTensorPath = tensorPath };
        AssertStep(opt, parameters, start, grads, (p, g) => p - 0.1f * (0f + 0.25f * (g - 0f)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_local_keeps_its_own_value_beside_a_static_one(bool tensorPath)
    {
        var (parameters, start, grads) = Case();
        using var opt = new ShadowingSgd(parameters, lr: 0.1) { UseTensorPath = tensorPath };
        AssertStep(opt, parameters, start, grads, (p, g) => p - 0.1f * 3f * (g * 2));
    }

    [Fact]
    public void A_local_assigned_per_element_is_not_hoisted()
    {
        var (parameters, start, grads) = Case();
        using var opt = new BranchySgd(parameters, lr: 0.1);
        AssertStep(opt, parameters, start, grads, (p, g) => p - (g > 0 ? 0.2f : 0.1f) * g);
    }
}
