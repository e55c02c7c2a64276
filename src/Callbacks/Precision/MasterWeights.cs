using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
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
    private readonly (string Name, Parameter Model, Parameter Master)[] _pairs;

    private MasterWeights(nn.Module[] converted, (string, Parameter, Parameter)[] pairs) => (_converted, _pairs) = (converted, pairs);

    /// <summary>The masters by parameter name (what a checkpoint keeps).</summary>
    public IEnumerable<(string Name, Parameter Master)> Masters => _pairs.Select(p => (p.Name, p.Master));

    /// <summary>
    /// Makes float32 masters of the model's parameters (<paramref name="saved"/>'s values where given: masters a checkpoint
    /// kept), remakes the Learner's optimizer over them with its state, and converts the model's leaf non-norm modules to
    /// <paramref name="dtype"/>, their weights rounded from the masters.
    /// </summary>
    public static MasterWeights Switch(Learner learn, ScalarType dtype, IReadOnlyDictionary<string, Tensor>? saved)
    {
        var model = learn.Model;
        var named = model.named_parameters().ToList();
        var notFloat = named.FirstOrDefault(p => p.parameter.dtype != ScalarType.Float32);
        if (notFloat.parameter is not null)
            throw new InvalidOperationException($"MixedPrecision keeps float32 master weights of a float32 model, but '{notFloat.name}' is {notFloat.parameter.dtype}. Create the model in float32 (TorchSharp's default) and let MixedPrecision convert it.");
        var masters = named.ToDictionary(p => p.name, p => NewMaster(saved?.GetValueOrDefault(p.name) ?? p.parameter, p.parameter.requires_grad));
        var byHandle = named.ToDictionary(p => p.parameter.Handle, p => masters[p.name]);
        var old = learn.Opt!;
        var opt = WithStateOf(old, () => learn.NewOpt(p => byHandle[p.Handle]));

        var converted = model.named_modules().Select(m => m.module).Prepend(model)
            .Where(m => !m.children().Any() && !NormBiasParams.IsNorm(m)).ToArray();
        foreach (var module in converted) module.to(dtype);
        var weights = new MasterWeights(converted, model.named_parameters().Select(p => (p.name, p.parameter, masters[p.name])).ToArray());
        weights.CopyMastersToModel();
        learn.Opt = opt;
        old.Dispose();
        return weights;
    }

    /// <summary>Converts the model back to float32 with the masters' exact values and remakes the optimizer over its parameters, keeping the state.</summary>
    public void SwitchBack(Learner learn)
    {
        var old = learn.Opt!;
        foreach (var module in _converted) module.to(ScalarType.Float32);
        var byName = learn.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
            foreach (var (name, _, master) in _pairs) byName[name].copy_(master);
        learn.Opt = WithStateOf(old, () => learn.NewOpt(p => p));
        old.Dispose();
        foreach (var (_, _, master) in _pairs) master.Dispose();
    }

    /// <summary>
    /// Copies the model's gradients into the masters' (float32), multiplied by <paramref name="unscale"/>; with
    /// <paramref name="checkFinite"/>, false when any of them holds inf or NaN.
    /// </summary>
    public bool CopyGradsToMasters(double unscale, bool checkFinite)
    {
        Tensor? largest = null;
        foreach (var (_, model, master) in _pairs)
        {
            using var grad = model.grad;
            if (grad is null) continue;   // unused this batch: the optimizer skips a parameter without a gradient
            var masterGrad = master.grad;
            if (masterGrad is null) master.grad = masterGrad = grad.to(ScalarType.Float32);
            else masterGrad.copy_(grad);
            if (unscale != 1) masterGrad.mul_(unscale);
            if (checkFinite)
            {
                var magnitude = masterGrad.abs().amax();   // NaN propagates through amax and maximum
                largest = largest is null ? magnitude : largest.maximum(magnitude);
            }
        }
        return largest is null || largest.isfinite().item<bool>();
    }

    /// <summary>Rounds the masters into the model's (low-precision) parameters after a step.</summary>
    public void CopyMastersToModel()
    {
        using var noGrad = no_grad();
        foreach (var (_, model, master) in _pairs) model.copy_(master);
    }

    /// <summary>Zeroes the model's gradients (the optimizer zeroes the masters').</summary>
    public void ZeroModelGrads()
    {
        foreach (var (_, model, _) in _pairs)
        {
            using var grad = model.grad;
            grad?.zero_();
        }
    }

    /// <summary>Copies a checkpoint's masters into these (validated first: every name, every shape).</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> saved)
    {
        using var noGrad = no_grad();
        foreach (var (name, _, master) in _pairs) master.copy_(saved[name]);
    }

    private static Parameter NewMaster(Tensor value, bool requiresGrad)
    {
        using var scope = NewDisposeScope();
        var master = new Parameter(value.detach().to(ScalarType.Float32).clone(), requiresGrad);
        master.DetachFromDisposeScope();   // lives as long as the fit, not the scope of whoever started it
        return master;
    }

    // The new optimizer takes the old one's hypers and state (shapes match: same parameters, other tensors).
    private static Optimizer WithStateOf(Optimizer old, Func<Optimizer> create)
    {
        var state = old.StateDict();
        var opt = create();
        try { opt.LoadStateDict(state); }
        catch
        {
            opt.Dispose();
            throw;
        }
        finally
        {
            foreach (var buffer in state.Params.SelectMany(p => p.Buffers.Values)) buffer.Dispose();
        }
        return opt;
    }
}
