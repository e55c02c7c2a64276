using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's ActivationStats (order -20, a HookCallback): hooks the forward of each chosen layer (default: every leaf
/// module with parameters, fastai's <c>has_params</c> over <c>flatten_model</c>) and, for every training batch (or one
/// in <paramref name="every"/>), records each layer's mean, std, share of activations near zero and, with
/// <paramref name="withHist"/>, its histogram (<see cref="ActivationBatchStats"/>). The hooks are registered before the
/// fit and removed after it. Stats are computed without autograd and kept as numbers, never as tensors.
/// <see cref="PlotLayerStats"/> and <see cref="ColorDim"/> draw fastai's plots as PNGs.
/// </summary>
/// <param name="modules">The layers to hook (fastai's <c>modules</c>); null: every leaf module of the model that has parameters.</param>
/// <param name="withHist">fastai's with_hist: also record a 40-bin histogram over [0, 10] per layer and batch (for <see cref="ColorDim"/>).</param>
/// <param name="every">fastai's every: record only training batches whose index (<see cref="Learner.TrainIter"/>) is a multiple of it; null: all.</param>
[Order(-20)]
public sealed partial class ActivationStats(IEnumerable<nn.Module>? modules = null, bool withHist = false, int? every = null) : Callback
{
    private readonly nn.Module[]? _given = modules?.ToArray();
    private readonly List<ForwardHook> _hooks = [];
    private ActivationBatchStats[] _pending = [];
    private bool _recording;

    /// <summary>fastai's with_hist.</summary>
    public bool WithHist { get; } = withHist;

    /// <summary>fastai's every (null: every training batch).</summary>
    public int? Every { get; } = every is null or > 0 ? every
        : throw new ArgumentOutOfRangeException(nameof(every), every, "ActivationStats records one training batch in every `every`; give a positive count, or null for all.");

    /// <summary>The hooked layers of the last fit, in hook order.</summary>
    public IReadOnlyList<nn.Module> Modules { get; private set; } = [];

    /// <summary>The hooked layers' names in the model (<c>named_modules</c>), in <see cref="Modules"/> order.</summary>
    public IReadOnlyList<string> LayerNames { get; private set; } = [];

    /// <summary>fastai's <c>stats</c>: one entry per recorded training batch, holding one <see cref="ActivationBatchStats"/> per layer.</summary>
    public List<ActivationBatchStats[]> Stats { get; } = [];

    /// <summary>Whether hooks are registered (during a fit).</summary>
    public bool Hooked => _hooks.Count > 0;

    [Event]
    void BeforeFit(Learner learn)
    {
        RemoveHooks();   // a previous fit that threw leaves its hooks behind
        Stats.Clear();
        var named = learn.Model.named_modules().ToList();
        Modules = _given ?? [.. named.Select(nm => nm.module).Where(m => m != learn.Model && !m.children().Any() && m.parameters().Any())];
        if (Modules.Count == 0)
            throw new InvalidOperationException(
                "ActivationStats found no layer to hook: the model has no leaf module with parameters below it. Pass the modules to watch (modules: [...]).");
        LayerNames = [.. Modules.Select(m => named.FirstOrDefault(nm => ReferenceEquals(nm.module, m)).name ?? m.GetType().Name)];
        _pending = new ActivationBatchStats[Modules.Count];
        try
        {
            for (int i = 0; i < Modules.Count; i++)
            {
                int layer = i;
                _hooks.Add(ForwardHook.Register(Modules[i], output => Record(layer, output)));
            }
        }
        catch
        {
            RemoveHooks();   // a layer that cannot be hooked ends the fit before after_fit: leave no hook behind
            throw;
        }
    }

    [Event]
    void BeforeBatch(Learner learn)
    {
        _recording = learn.Training && (Every is not int n || learn.TrainIter % n == 0);
        if (_recording) Array.Fill(_pending, ActivationBatchStats.Missing);
    }

    [Event]
    void AfterBatch()
    {
        if (!_recording) return;
        _recording = false;
        Stats.Add((ActivationBatchStats[])_pending.Clone());
    }

    [Event] void AfterFit() => RemoveHooks();

    /// <summary>fastai's HookCallback._remove: unregisters the hooks (done after every fit).</summary>
    public void RemoveHooks()
    {
        foreach (var hook in _hooks) hook.Remove();
        _hooks.Clear();
        _recording = false;
    }

    private void Record(int layer, Tensor output)
    {
        if (_recording) _pending[layer] = ActivationBatchStats.Of(output, WithHist);
    }

    /// <summary>fastai's layer_stats: the mean, std and near-zero share of layer <paramref name="layer"/> over the recorded batches.</summary>
    public (double[] Mean, double[] Std, double[] NearZero) LayerStats(int layer)
    {
        CheckLayer(layer);
        return (Stats.Select(s => s[layer].Mean).ToArray(), Stats.Select(s => s[layer].Std).ToArray(), Stats.Select(s => s[layer].NearZero).ToArray());
    }

    /// <summary>
    /// fastai's hist: log(1 + count) of layer <paramref name="layer"/>'s histogram, one row per bin (lowest first) and one
    /// column per recorded batch. Needs <c>withHist: true</c>.
    /// </summary>
    public double[,] Hist(int layer)
    {
        CheckLayer(layer);
        if (!WithHist)
            throw new InvalidOperationException("ActivationStats recorded no histograms: create it with withHist: true to get fastai's hist and color_dim.");
        var result = new double[ActivationBatchStats.HistBins, Stats.Count];
        for (int b = 0; b < Stats.Count; b++)
            if (Stats[b][layer].Hist is { } counts)
                for (int bin = 0; bin < counts.Length; bin++) result[bin, b] = Math.Log(1 + counts[bin]);
        return result;
    }

    private void CheckLayer(int layer)
    {
        if (layer < 0 || layer >= Modules.Count)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"ActivationStats hooked {Modules.Count} layer(s) ({string.Join(", ", LayerNames)}); give an index below {Modules.Count}.");
    }
}
