using Xunit;

namespace Gen.Callbacks.Tests;

/// <summary>Updates the tensor path writes as fused in-place ops (add_ with alpha, addcmul_, addcdiv_, mul_ then add), one it must not fuse, and other tensor-path traps.</summary>
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

/// <summary>Tensor-path traps: aliases of an element, an update used as a value, a float local as a scale, precedence, float literals.</summary>
public static class TensorPathTrapSteps
{
    /// <summary>A local copy of the element, read after the element changes (on the tensor path it must not alias it).</summary>
    [Step] public static void KeepsOld(ref float state, float grad, float a, float b)
    {
        state += grad;   // element state starts at zero: give the traps something to get wrong
        float old = state;
        state = state * a + old * b;
        state += old * grad;
    }

    /// <summary>An in-place update used as an operand: the element must change once.</summary>
    [Step] public static void UpdateAsValue(ref float p, ref float state, float grad, float a) => p += (state *= a) * grad;

    /// <summary>A float local that holds only hyper arithmetic, used as a scale; a negated sum; a float literal.</summary>
    [Step] public static void LocalScale(ref float p, float grad, float a, float lr)
    {
        if (a > 0)
        {
            float s = a * a;
            p -= s * grad;
        }
        p += lr * -(grad + p) * 0.1f;
    }
}

[Optimizer(typeof(FusedUpdateSteps), "ReadsItself", "ScaleFirst", "Subtracts")]
[Hyper("a", 0.5), Hyper("b", 0.25)]
public sealed partial class FusedUpdateOptimizer;

[Optimizer(typeof(TensorPathTrapSteps), "KeepsOld", "UpdateAsValue", "LocalScale")]
[Hyper("a", 0.9), Hyper("b", 0.3)]
public sealed partial class TensorPathTrapOptimizer;

public class FusedUpdateTests
{
    [Fact]
    public void Fused_updates_take_the_steps_the_kernel_takes() =>
        BothBackends.AssertSameSteps((ps, _) => new FusedUpdateOptimizer(ps, lr: 0.1), [[4, 3], [6]], steps: 4, seed: 3);

    [Fact]
    public void Aliases_updates_used_as_values_float_locals_and_precedence_keep_their_meaning_on_the_tensor_path() =>
        BothBackends.AssertSameSteps((ps, _) => new TensorPathTrapOptimizer(ps, lr: 0.1), [[4, 3], [6]], steps: 4, seed: 5);
}
