using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;

namespace Gen;

/// <summary>fastai's norm_bias_params: the parameters of normalization layers, and the biases of every other layer.</summary>
internal static class NormBiasParams
{
    /// <summary>
    /// fastai's create_opt: unless <paramref name="wdBnBias"/>, do_wd = False for norm layers' parameters and biases;
    /// with <paramref name="trainBn"/>, force_train for norm layers' parameters.
    /// </summary>
    public static void ApplyState(torch.nn.Module model, IReadOnlyList<Parameter> parameters, FusedOptimizer opt, bool wdBnBias, bool trainBn)
    {
        var (norm, bias) = Find(model);
        for (int i = 0; i < parameters.Count; i++)
        {
            var handle = parameters[i].Handle;
            bool isNorm = norm.Contains(handle);
            if (!wdBnBias && (isNorm || bias.Contains(handle))) opt.SetState("do_wd", i, 0);
            if (trainBn && isNorm) opt.SetState("force_train", i, 1);
        }
    }

    /// <summary>The handles of the norm layers' parameters, and of the other layers' biases.</summary>
    private static (HashSet<nint> Norm, HashSet<nint> Bias) Find(torch.nn.Module model)
    {
        var norm = new HashSet<nint>();
        var bias = new HashSet<nint>();
        // TorchSharp's named_modules() leaves out the model itself (a bare Linear has a bias too).
        foreach (var module in model.named_modules().Select(m => m.module).Prepend(model))
        {
            if (IsNorm(module)) { foreach (var p in module.parameters()) norm.Add(p.Handle); continue; }
            foreach (var (name, p) in module.named_parameters(recurse: false))
                if (name == "bias") bias.Add(p.Handle);
        }
        bias.ExceptWith(norm);
        return (norm, bias);
    }

    // fastai's norm_types: BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm (GroupNorm is not one of them).
    internal static bool IsNorm(torch.nn.Module module) => module is BatchNorm1d or BatchNorm2d or BatchNorm3d
        or InstanceNorm1d or InstanceNorm2d or InstanceNorm3d or LayerNorm;
}
