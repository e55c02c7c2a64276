using Xunit;

namespace Gen.Generators.Tests;

/// <summary>
/// Snapshots of optimizers off the common path: a whole-tensor step between fused runs, an elementwise step with no
/// vector form, and one with no tensor form. Each also asserts the property it stands for, so that a snapshot
/// accepted without reading it cannot lose that property unnoticed.
/// </summary>
public class OptimizerSnapshotTests
{
    private const string Vector = "System.Numerics.Vector";

    private static string Generate(string source, string hintName)
    {
        var result = GeneratorHarness.Run(source);
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileErrors);
        return result.Generated[hintName];
    }

    [Fact]
    public void Tensor_step_is_wrapped_and_called_between_the_fused_runs()
    {
        var text = Generate("""
            using Gen;
            using TorchSharp;
            using static TorchSharp.torch;
            namespace Demo;
            public static class NormSteps
            {
                [Step] public static void Decay(ref float p, float lr, float wd) => p *= 1 - lr * wd;
                [TensorStep]
                public static void LayerLr(Tensor p, Tensor grad, double lr, double trustCoeff, double eps, [PerTensor] ref double localLr)
                {
                    double pNorm = p.norm().ToDouble(), gNorm = grad.norm().ToDouble();
                    localLr = lr * trustCoeff * pNorm / (gNorm + eps);
                }
                [Step] public static void LayerStep(ref float p, float grad, [PerTensor] double localLr) => p -= (float)localLr * grad;
            }
            [Optimizer(typeof(NormSteps), "Decay", "LayerLr", "LayerStep")]
            [Hyper("wd", 0.01), Hyper("trustCoeff", 0.02), Hyper("eps", 1e-8)]
            public sealed partial class NormOpt;
            """, "Demo.NormOpt.g.cs");

        // Kernel0 (Decay), the wrapper TensorStep1 (LayerLr), Kernel2 (LayerStep), called in that order per parameter.
        Assert.Contains("private static void TensorStep1(global::TorchSharp.torch.Tensor __p, global::TorchSharp.torch.Tensor __grad, ref double localLr, in Hypers __h)", text);
        Assert.Contains("global::Demo.NormSteps.LayerLr(__p, __grad, lr, trustCoeff, eps, ref localLr);", text);
        var kernel0 = text.IndexOf("case global::TorchSharp.torch.ScalarType.Float32: (__kernel0Float ??= new()).Step(", System.StringComparison.Ordinal);
        var tensorStep = text.IndexOf("TensorStep1(Parameters[i], grad, ref _localLr[i], in hypers);", System.StringComparison.Ordinal);
        var kernel2 = text.IndexOf("case global::TorchSharp.torch.ScalarType.Float32: (__kernel2Float ??= new()).Step(", System.StringComparison.Ordinal);
        Assert.True(kernel0 >= 0 && tensorStep > kernel0 && kernel2 > tensorStep, "Step() calls Kernel0, TensorStep1, Kernel2 in order");
        // A step that needs a parameter's own tensor: no flat groups, no mixed-precision kernel.
        Assert.DoesNotContain("StepFlatGroups", text);
        Assert.DoesNotContain("KernelLow", text);
        Snapshot.Verify(text, "NormOpt");
    }

    [Fact]
    public void Step_with_no_vector_form_gets_a_scalar_loop_only()
    {
        var text = Generate("""
            using System;
            using Gen;
            namespace Demo;
            public static class ExpSteps
            {
                [Step] public static void ExpStep(ref float p, float grad, float lr) => p -= lr * (MathF.Exp(grad) - 1);
            }
            [Optimizer(typeof(ExpSteps), "ExpStep")]
            public sealed partial class ExpOpt;
            """, "Demo.ExpOpt.g.cs");

        Assert.DoesNotContain(Vector, text);
        Assert.Contains("for (int __j = 0; __j < __p.Length; __j++)", text);
        Assert.Contains("p -= __s0_h0 * (global::System.MathF.Exp(grad) - 1);", text);
        // It still has a tensor form.
        Assert.Contains("TensorKernel(Parameters[i], grad, in hypers);", text);
        Assert.Contains("global::TorchSharp.torch.exp(grad)", text);
        Snapshot.Verify(text, "ExpOpt");
    }

    [Fact]
    public void Step_with_no_tensor_form_has_no_tensor_kernel_and_throws_on_the_tensor_path()
    {
        // Writing a by-value element (the step's own copy of the gradient) has no in-place tensor form.
        var text = Generate("""
            using Gen;
            namespace Demo;
            public static class LocalSteps
            {
                [Step]
                public static void ScaledStep(ref float p, float grad, float lr, float scale)
                {
                    grad *= scale;
                    p -= lr * grad;
                }
            }
            [Optimizer(typeof(LocalSteps), "ScaledStep")]
            [Hyper("scale", 0.5)]
            public sealed partial class ScaledOpt;
            """, "Demo.ScaledOpt.g.cs");

        Assert.DoesNotContain("TensorKernel", text);
        Assert.DoesNotContain("FlatSlice", text);
        Assert.Contains("throw NoTensorPath(\"ScaledStep\");", text);
        Assert.Contains("StepFlatGroups(__flatKernels ??= new() { PrepareRun = PrepareFlatRun, Run = RunFlatRun, ", text);
        // Only the tensor form is missing: the CPU kernel is still vectorized.
        Assert.Contains($"global::{Vector}<float>", text);
        Snapshot.Verify(text, "ScaledOpt");
    }
}
