using System.Collections.Generic;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's optimizer state_dict: which optimizer saved it, the hyper-parameters of each param group, and
/// each parameter's state (element buffers such as grad_avg, per-tensor values such as step). Tensors are copies.
/// </summary>
public sealed record OptimizerState(
    string Optimizer,
    IReadOnlyList<IReadOnlyDictionary<string, double>> Hypers,
    IReadOnlyList<ParamState> Params)
{
    /// <summary>Disposes every parameter's buffers (copies: the optimizer keeps its own), once the state has been used.</summary>
    internal void DisposeBuffers()
    {
        foreach (var param in Params)
            foreach (var buffer in param.Buffers.Values) buffer.Dispose();
    }
}

/// <summary>One parameter's optimizer state: its shape (to check the layout on load), buffers, and per-tensor values (step, local_lr).</summary>
public sealed record ParamState(long[] Shape, IReadOnlyDictionary<string, Tensor> Buffers, IReadOnlyDictionary<string, double> PerTensor);
