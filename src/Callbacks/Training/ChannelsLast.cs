using System;
using System.Collections.Generic;
using System.Linq;
using Gen.Internals;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's ChannelsLast (order -1, before callbacks that change the model): trains in PyTorch's channels_last memory
/// format. before_fit lays out the model's 4-D parameters and buffers as NHWC in memory (fastai's
/// <c>model.to(memory_format=torch.channels_last)</c>), which makes libtorch's convolutions and batch norms take their
/// channels-last kernels; they convert the inputs themselves. A Gen optimizer keeps the layout in its flat buffers.
/// </summary>
/// <remarks>
/// <para>after_fit lays the tensors back out contiguously (fastai leaves them channels-last): TorchSharp's
/// <c>Module.save</c> refuses non-contiguous tensors, so the model leaves the fit in the layout it came in. During a fit,
/// and after one that threw (which has no after_fit, as in fastai; the next fit hands them back), save with
/// <c>learn.Save</c>: Gen's checkpoints write any layout.</para>
/// <para>On the CPU, Gen's defaults include <see cref="ForCpuConvolutions"/>: a fit of a model with a <c>Conv2d</c>
/// trains channels-last (the Fashion-MNIST CNN's fit took about 11% less time; libtorch's channels-last batch norm sums
/// in another order, so gradients differ from the contiguous ones by about 1e-6 relative). A model that fails that way (a
/// <c>view</c> of a convolution's output, say) trains contiguous, and <see cref="Declined"/> says why. Remove it with
/// <c>learn.Remove(learn.Get&lt;ChannelsLast&gt;()!)</c> or <c>defaultCbs: false</c>; a <c>new ChannelsLast()</c> given
/// to the Learner replaces it, and one given to a fit makes it stand aside for that fit.</para>
/// </remarks>
[Order(-1)]
public sealed partial class ChannelsLast : Callback
{
    private readonly HashSet<string> _converted = [];   // names of the tensors laid out channels-last
    private bool _checkFirstBatch;
    private string? _modelFailed;   // the model failed channels-last once: this Learner trains contiguous
    private nn.Module? _modelSeen;
    private bool _hasConv;

    /// <summary>fastai's ChannelsLast: every fit trains channels-last.</summary>
    public ChannelsLast() { }

    private ChannelsLast(bool automatic) => Automatic = automatic;

    /// <summary>
    /// Gen's default: channels-last for fits on the CPU of models with a <c>Conv2d</c>, without MixedPrecision. The first
    /// training batch of each fit is checked (its first two samples through Predict, and through the loss function when
    /// the prediction is 4-D, in eval mode, without gradients): when that fails channels-last but not contiguous, the
    /// model cannot take the layout and the Learner trains contiguous from then on; when it fails both ways (a later
    /// callback's before_batch may make the batch the model's), that fit trains contiguous.
    /// </summary>
    public static ChannelsLast ForCpuConvolutions() => new(automatic: true);

    /// <summary>Whether this one decides by itself (<see cref="ForCpuConvolutions"/>) rather than always converting.</summary>
    public bool Automatic { get; }

    /// <summary>How many 4-D parameters or buffers the last fit laid out channels-last (0 when the first-batch check put them back).</summary>
    public int Converted { get; private set; }

    /// <summary>Why an automatic one left the last fit contiguous; null when it trained channels-last or is not automatic.</summary>
    public string? Declined { get; private set; }

    [Event]
    void BeforeFit(Learner learn)
    {
        (Converted, Declined, _checkFirstBatch) = (0, null, false);
        if (Automatic && (Declined = Unsuited(learn)) is not null) { RestoreContiguous(learn); return; }
        // _converted still names the tensors of a fit that threw (no after_fit): they are handed back at this one's end.
        var fresh = Tensors(learn.Model).Where(t => ChannelsLastLayout.WouldChange(t.Value)).Select(t => t.Key).ToList();
        _converted.UnionWith(fresh);
        Converted = fresh.Count;
        Relayout(learn, ChannelsLastLayout.Copy);
        _checkFirstBatch = Automatic && _converted.Count > 0;
    }

    [Event]
    void BeforeBatch(Learner learn)
    {
        if (!_checkFirstBatch || !learn.Training) return;
        _checkFirstBatch = false;
        if (FirstSamplesFail(learn) is not { } failure) return;
        RestoreContiguous(learn);
        Converted = 0;
        // Failing contiguous too, the check says nothing about the model (a later before_batch may make the batch the
        // model's): this fit alone trains contiguous, the layout the model was written for.
        Declined = FirstSamplesFail(learn) is { } contiguousFailure
            ? $"the first batch failed contiguous too ({contiguousFailure}), so the check could not tell; this fit trains contiguous"
            : _modelFailed = $"the model fails on channels-last weights ({failure}); this Learner trains contiguous";
    }

    [Event]
    void AfterFit(Learner learn) => RestoreContiguous(learn);

    private void RestoreContiguous(Learner learn)
    {
        Relayout(learn, ChannelsLastLayout.ContiguousCopy);
        _converted.Clear();
    }

    // By name: a callback may give the model new tensors during the fit (MixedPrecision's dtype change). Each one and its
    // gradient get the new layout in place (set_), so the model, the optimizer and autograd keep pointing at them.
    private void Relayout(Learner learn, Func<Tensor, Tensor> layout)
    {
        if (_converted.Count == 0) return;
        using (no_grad())
            foreach (var (name, tensor) in Tensors(learn.Model))
            {
                if (!_converted.Contains(name) || tensor.dim() != 4) continue;   // a name may outlive a model replaced after a fit that threw
                SetLayout(tensor, layout);
                if (tensor is not Parameter parameter) continue;
                using var grad = parameter.grad;
                if (grad is not null) SetLayout(grad, layout);
            }
        learn.Opt?.Fused?.ParametersMoved();
    }

    private static void SetLayout(Tensor tensor, Func<Tensor, Tensor> layout)
    {
        using var laidOut = layout(tensor);
        tensor.set_(laidOut);
    }

    private static IEnumerable<KeyValuePair<string, Tensor>> Tensors(nn.Module model) =>
        model.named_parameters().Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter))
            .Concat(model.named_buffers().Select(b => KeyValuePair.Create(b.name, b.buffer)));

    private string? Unsuited(Learner learn)
    {
        if (learn.Cbs.Any(cb => cb is ChannelsLast { Automatic: false })) return "a ChannelsLast passed in decides";
        if (_modelFailed is not null) return _modelFailed;
        if (learn.Device.type != DeviceType.CPU) return $"channels-last is Gen's default on the CPU only; on {learn.Device.type} add new ChannelsLast() (with MixedPrecision)";
        if (!ReferenceEquals(_modelSeen, learn.Model))   // looked for once per model
            (_modelSeen, _hasConv) = (learn.Model, learn.Model.modules().Prepend(learn.Model).Any(m => m is Conv2d));
        if (!_hasConv) return "the model has no Conv2d";
        if (learn.Get<MixedPrecision>() is not null) return "mixed precision is on; add new ChannelsLast() to combine them";
        return null;
    }

    /// <summary>
    /// The batch's first two samples (one would let a view merge the batch dimension) through Predict, and through the
    /// loss function when the prediction is 4-D (a 2-D one carries no layout, and a callback's loss, as MixUp's, may
    /// need the state of its batch), in eval mode without gradients; the failure's first line, or null.
    /// </summary>
    private static string? FirstSamplesFail(Learner learn)
    {
        var (xbs, ybs) = (learn.Xbs, learn.Ybs);
        var modes = learn.Model.modules().Prepend(learn.Model).Select(m => (Module: m, m.training)).ToList();   // modules() leaves out the model itself
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            learn.Model.eval();
            (learn.Xbs, learn.Ybs) = (xbs.Select(FirstTwo).ToArray(), ybs.Select(FirstTwo).ToArray());
            learn.Predict();
            if (learn.Pred!.dim() == 4 && learn.Ybs.Length == 1) learn.LossFunc(learn.Pred, learn.Ybs[0]);
            return null;
        }
        catch (Exception e)
        {
            return e.Message.Split('\n')[0];
        }
        finally
        {
            foreach (var (module, training) in modes) module.train(training);   // outermost first: each ends with its own mode
            (learn.Xbs, learn.Ybs) = (xbs, ybs);
            (learn.Pred, learn.Loss, learn.LossGrad) = (null, null, null);
        }
    }

    private static Tensor FirstTwo(Tensor t) => t.dim() == 0 ? t : t.narrow(0, 0, Math.Min(2, t.shape[0]));

    /// <summary>
    /// Whether a 4-D tensor (N, C, H, W) is laid out as NHWC in memory (torch's channels_last: strides H*W*C, 1, W*C, C),
    /// ignoring the strides of dimensions of size 1, as PyTorch's <c>is_contiguous(memory_format=torch.channels_last)</c>
    /// does; libtorch's kernels choose their layout by the exact strides, which <see cref="ToChannelsLast"/> gives.
    /// </summary>
    public static bool IsChannelsLast(Tensor t) => ChannelsLastLayout.Is(t);

    /// <summary>A channels_last copy of a 4-D tensor (torch's <c>t.contiguous(memory_format=torch.channels_last)</c>).</summary>
    public static Tensor ToChannelsLast(Tensor t) => t.dim() == 4
        ? ChannelsLastLayout.Copy(t)
        : throw new ArgumentException($"channels_last is a layout of 4-D (N, C, H, W) tensors; this one has {t.dim()} dimensions.", nameof(t));
}
