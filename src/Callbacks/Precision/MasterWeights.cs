using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Gen.Internals;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// A model switched to a low-precision dtype for a fit, with a float32 master copy of every parameter that the
/// optimizer updates (the optimizer is remade over the masters, keeping its state). Norm layers stay float32, as fastai's
/// <c>to_fp16</c> kept them; so do the parameters of modules that have children (only leaf modules are converted).
/// </summary>
internal sealed class MasterWeights
{
    private readonly nn.Module[] _converted;
    private readonly Pair[] _pairs;

    /// <summary>A model parameter and its master; <c>Fused</c>: the optimizer's fused kernel reads its gradient and writes it.</summary>
    private readonly record struct Pair(string Name, Parameter Model, Parameter Master, bool Fused);

    private readonly Dictionary<string, Parameter> _masterByName;

    private MasterWeights(nn.Module[] converted, Pair[] pairs) =>
        (_converted, _pairs, _masterByName) = (converted, pairs, pairs.ToDictionary(p => p.Name, p => p.Master));

    /// <summary>The masters by parameter name (what a checkpoint keeps).</summary>
    public IEnumerable<(string Name, Parameter Master)> Masters => _pairs.Select(p => (p.Name, p.Master));

    /// <summary>The master of parameter <paramref name="name"/>; null for a buffer (BatchNorm's running statistics are the model's own).</summary>
    public Tensor? MasterOf(string name) => _masterByName.GetValueOrDefault(name);

    /// <summary>How many parameters the optimizer's fused mixed-precision kernel steps (the others are copied around the step).</summary>
    public int FusedCount => _pairs.Count(p => p.Fused);

    /// <summary>
    /// Makes float32 masters of the model's parameters, remakes the Learner's optimizer over them with its state, converts the model's leaf non-norm modules to
    /// <paramref name="format"/> (their weights rounded from the masters), and with <paramref name="fused"/> hands the
    /// converted parameters to the optimizer as the masters' low-precision copies (see <see cref="FusedOptimizer.UseLowPrecisionCopies"/>).
    /// </summary>
    public static MasterWeights Switch(Learner learn, LowPrecisionFormat format, bool fused)
    {
        var model = learn.Model;
        var named = model.named_parameters().ToList();
        var notFloat = named.FirstOrDefault(p => p.parameter.dtype != ScalarType.Float32);
        if (notFloat.parameter is not null)
            throw new InvalidOperationException($"MixedPrecision keeps float32 master weights of a float32 model, but '{notFloat.name}' is {notFloat.parameter.dtype}. Create the model in float32 (TorchSharp's default) and let MixedPrecision convert it.");
        var masters = named.ToDictionary(p => p.name, p => NewMaster(p.parameter, p.parameter.requires_grad));
        var byHandle = named.ToDictionary(p => p.parameter.Handle, p => masters[p.name]);
        var old = learn.Opt!;
        var opt = WithState(old.StateDict(), () => learn.NewOpt(p => byHandle[p.Handle]));

        var converted = model.named_modules().Select(m => m.module).Prepend(model)
            .Where(m => !m.children().Any() && !NormBiasParams.IsNorm(m)).ToArray();
        foreach (var module in converted) module.to(LowPrecision.DType(format));
        var modelByMaster = model.named_parameters().ToDictionary(p => masters[p.name].Handle, p => (p.name, p.parameter));
        var fusedOpt = opt.Fused!;
        if (fused)
            fusedOpt.UseLowPrecisionCopies(fusedOpt.Parameters.Select(m => modelByMaster[m.Handle].parameter is var p && p.dtype != ScalarType.Float32 ? p : null).ToList(), format);
        var pairs = fusedOpt.Parameters.Select((master, i) =>
            new Pair(modelByMaster[master.Handle].name, modelByMaster[master.Handle].parameter, master, fusedOpt.StepsLowPrecisionCopy(i))).ToArray();
        var weights = new MasterWeights(converted, pairs);
        using (no_grad())
            foreach (var pair in pairs) pair.Model.copy_(pair.Master);
        learn.Opt = opt;
        old.Dispose();
        return weights;
    }

    /// <summary>Converts the model back to float32 with the masters' exact values and remakes the optimizer over its parameters, keeping the state.</summary>
    public void SwitchBack(Learner learn)
    {
        var old = learn.Opt!;
        var state = old.StateDict();   // before the conversion releases the low-precision copies the optimizer may hold
        foreach (var module in _converted) module.to(ScalarType.Float32);
        var byName = learn.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
            foreach (var pair in _pairs) byName[pair.Name].copy_(pair.Master);
        learn.Opt = WithState(state, () => learn.NewOpt(p => p));
        old.Dispose();
        foreach (var pair in _pairs) pair.Master.Dispose();
    }

    /// <summary>
    /// Before a step: copies the gradients the fused kernel does not read into the masters' (float32), multiplied by
    /// <paramref name="unscale"/>; with <paramref name="checkFinite"/>, false when any gradient holds inf or NaN.
    /// </summary>
    public bool CopyGradsToMasters(double unscale, bool checkFinite)
    {
        Tensor? largest = null;
        foreach (var (_, model, master, fused) in _pairs)
        {
            if (fused && !checkFinite) continue;   // the kernel reads this gradient itself
            using var grad = model.grad;
            if (grad is null || !master.requires_grad) continue;   // unused this batch, or frozen: the optimizer skips it
            if (checkFinite)
            {
                var magnitude = grad.abs().amax().to(ScalarType.Float32);   // NaN propagates through amax and maximum
                largest = largest is null ? magnitude : largest.maximum(magnitude);
            }
            if (fused) continue;
            var masterGrad = master.grad;
            if (masterGrad is null) master.grad = masterGrad = grad.to(ScalarType.Float32);
            else masterGrad.copy_(grad);
            if (unscale != 1) masterGrad.mul_(unscale);
        }
        return largest is null || largest.isfinite().item<bool>();
    }

    /// <summary>After a step: rounds the masters the fused kernel did not write into the model's parameters.</summary>
    public void CopyMastersToModel()
    {
        using var noGrad = no_grad();
        foreach (var (_, model, master, fused) in _pairs)
            if (!fused) model.copy_(master);
    }

    /// <summary>
    /// Gives each model parameter its master's requires_grad: freezing or unfreezing during a fit (fastai's freeze_to sets
    /// it on the optimizer's parameters, here the masters) reaches the low-precision model, which computes the gradients.
    /// <paramref name="freezes"/> is the optimizer's <see cref="FusedOptimizer.Freezes"/>: nothing changed while it is the same.
    /// </summary>
    public void SyncRequiresGrad(int freezes)
    {
        if (freezes == _freezesSeen) return;   // two native calls per parameter: only after a freeze_to
        _freezesSeen = freezes;
        foreach (var (_, model, master, _) in _pairs)
            if (model.requires_grad != master.requires_grad) model.requires_grad = master.requires_grad;
    }

    private int _freezesSeen = -1;

    /// <summary>Zeroes the gradients of the model parameters that are copied around the step (the optimizer zeroes the fused ones).</summary>
    public void ZeroModelGrads()
    {
        foreach (var (_, model, _, fused) in _pairs)
        {
            if (fused) continue;
            using var grad = model.grad;
            grad?.zero_();
        }
    }

    /// <summary>Copies a checkpoint's masters into these (validated first: every name, every shape).</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> saved)
    {
        using var noGrad = no_grad();
        foreach (var pair in _pairs) pair.Master.copy_(saved[pair.Name]);
    }

    private static Parameter NewMaster(Tensor value, bool requiresGrad)
    {
        using var scope = NewDisposeScope();
        var master = new Parameter(value.detach().to(ScalarType.Float32).clone(), requiresGrad);
        master.DetachFromDisposeScope();   // lives as long as the fit, not the scope of whoever started it
        return master;
    }

    // The new optimizer takes the old one's hypers and state (shapes match: same parameters, other tensors).
    private static Optimizer WithState(OptimizerState state, Func<Optimizer> create)
    {
        var opt = create();
        try { opt.LoadStateDict(state); }
        catch
        {
            opt.Dispose();
            throw;
        }
        finally
        {
            state.DisposeBuffers();
        }
        return opt;
    }
}
