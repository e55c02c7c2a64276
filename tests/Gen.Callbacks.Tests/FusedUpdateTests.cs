using Xunit;

namespace Gen.Callbacks.Tests;

/// <summary>Updates the tensor path writes as fused in-place ops (add_ with alpha, addcmul_, addcdiv_, mul_ then add), and one it must not.</summary>
public static class FusedUpdateSteps
{
    /// <summary>The addend reads the target: t.mul_(a) first would change what t * b reads, so this stays unfused.</summary>
    [Step] public static void ReadsItself(ref float state, float a, float b) => state = state * a + state * b;

    /// <summary>The scale on the left of the target; a plain tensor addend.</summary>
    [Step] public static void ScaleFirst(ref float state, float grad, float a) => state = a * state + grad;

    /// <summary>Subtracting a scaled product (addcmul_ with -k) and a plain tensor.</summary>
    [Step] public static void Subtracts(ref float p, float grad, float state, float lr)
    {
        p -= lr * (grad * state);
        p -= grad;
    }
}

[Optimizer(typeof(FusedUpdateSteps), "ReadsItself", "ScaleFirst", "Subtracts")]
[Hyper("a", 0.5), Hyper("b", 0.25)]
public sealed partial class FusedUpdateOptimizer;

public class FusedUpdateTests
{
    [Fact]
    public void Fused_updates_take_the_steps_the_kernel_takes() =>
        BothBackends.AssertSameSteps((ps, _) => new FusedUpdateOptimizer(ps, lr: 0.1), [[4, 3], [6]], steps: 4, seed: 3);
}
