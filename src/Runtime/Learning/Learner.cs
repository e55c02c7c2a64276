using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's Learner: a model, data, a loss and an optimizer, trained by a loop that fires fastai's
/// events to callbacks. The state below is what callbacks read and write, with fastai's meaning.
/// </summary>
public sealed partial class Learner : IDisposable
{
    private readonly CallbackSet _cbs;

    /// <param name="model">The model; its forward takes the input batch.</param>
    /// <param name="dls">Training and validation data.</param>
    /// <param name="lossFunc">loss(pred, target) as a scalar tensor.</param>
    /// <param name="optFunc">Makes the optimizer (fastai's opt_func); default TorchSharp's Adam.</param>
    /// <param name="lr">Default learning rate (fastai: 1e-3).</param>
    /// <param name="cbs">Callbacks besides the defaults (TrainEval is always added unless given).</param>
    /// <param name="pipeline">A compile-time ordered callback set; used for dispatch while the set is exactly it.</param>
    /// <param name="splitter">fastai's splitter: the model's parameters in param groups (see <see cref="Splitter"/>).</param>
    public Learner(nn.Module<Tensor, Tensor> model, DataLoaders dls, Func<Tensor, Tensor, Tensor> lossFunc,
                   OptimizerFactory? optFunc = null, double lr = 1e-3, IEnumerable<Callback>? cbs = null,
                   CallbackPipeline? pipeline = null, Func<nn.Module<Tensor, Tensor>, IEnumerable<IEnumerable<Parameter>>>? splitter = null)
    {
        Splitter = splitter;
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Dls = dls ?? throw new ArgumentNullException(nameof(dls));
        LossFunc = lossFunc ?? throw new ArgumentNullException(nameof(lossFunc));
        OptFunc = optFunc ?? TorchOptimizer.Adam;
        Lr = lr;
        _cbs = new CallbackSet(pipeline);
        foreach (var cb in _cbs.Inserted) cb.Learn = this;
        var extra = (cbs ?? []).ToList();
        if (!_cbs.Inserted.Concat(extra).OfType<TrainEval>().Any()) extra.Insert(0, new TrainEval());
        Add(extra);
        Fire(Event.AfterCreate);
    }

    public nn.Module<Tensor, Tensor> Model { get; set; }
    public DataLoaders Dls { get; set; }
    public Func<Tensor, Tensor, Tensor> LossFunc { get; set; }
    public OptimizerFactory OptFunc { get; set; }

    /// <summary>The optimizer; made by <see cref="OptFunc"/> at the first fit.</summary>
    public Optimizer? Opt { get; set; }

    /// <summary>Default learning rate for <see cref="Fit"/>.</summary>
    public double Lr { get; set; }

    /// <summary>Default weight decay for <see cref="Fit"/> (fastai's <c>wd</c>); null keeps the optimizer's default.</summary>
    public double? Wd { get; set; }

    /// <summary>The callbacks in insertion order (fastai's <c>learn.cbs</c>).</summary>
    public IReadOnlyList<Callback> Cbs => _cbs.Inserted;

    /// <summary>The callbacks in the order their handlers run.</summary>
    public IReadOnlyList<Callback> OrderedCbs => _cbs.Ordered;

    /// <summary>Whether events go through the generated pipeline (true while the set is exactly the pipeline's).</summary>
    public bool UsesPipeline => _cbs.UsesPipeline;

    /// <summary>The loader of the current phase.</summary>
    public DataLoader? Dl { get; set; }
    public Tensor? Xb { get; set; }
    public Tensor? Yb { get; set; }
    public Tensor? Pred { get; set; }

    /// <summary>The loss of the batch, detached from the graph (fastai's <c>loss</c>).</summary>
    public Tensor? Loss { get; set; }

    /// <summary>The loss the backward pass starts from (fastai's <c>loss_grad</c>).</summary>
    public Tensor? LossGrad { get; set; }

    public int NEpoch { get; set; } = 1;
    public int NIter { get; set; }
    public int Epoch { get; set; }
    public int Iter { get; set; }
    public int TrainIter { get; set; }
    public double PctTrain { get; set; }
    /// <summary>
    /// Whether the loop is in a training phase. True before the first fit, as in fastai, where
    /// <c>learn.training</c> falls through to a fresh model's <c>training</c> flag.
    /// </summary>
    public bool Training { get; set; } = true;

    /// <summary>Smoothed training loss, kept by the Recorder.</summary>
    public double SmoothLoss { get; set; }

    /// <summary>The batch loss as a double, read from <see cref="Loss"/> at most once per batch and only when asked.</summary>
    public double LossValue
    {
        get
        {
            if (!_lossValueRead)
            {
                _lossValue = Loss is null ? double.NaN : ReadDouble(Loss);
                _lossValueRead = true;
            }
            return _lossValue;
        }
    }

    private double _lossValue;
    private bool _lossValueRead;

    /// <summary>
    /// A one-element tensor's value. On the CPU straight from its memory: TorchSharp's item() allocates a finalizable
    /// Scalar, which alone costs more than all the default callbacks' work on a batch.
    /// </summary>
    private static unsafe double ReadDouble(Tensor scalar)
    {
        if (scalar.device_type == DeviceType.CPU)
            switch (scalar.dtype)
            {
                case ScalarType.Float32: return *(float*)NativeGrad.Data(scalar.Handle);
                case ScalarType.Float64: return *(double*)NativeGrad.Data(scalar.Handle);
            }
        using var value = scalar.ToScalar();
        return value.ToDouble();
    }

    /// <summary>The first callback of type <typeparamref name="T"/> (fastai's <c>learn.recorder</c> etc.), or null.</summary>
    public T? Get<T>() where T : Callback => _cbs.Inserted.OfType<T>().FirstOrDefault();

    /// <summary>Adds callbacks (fastai's add_cbs); throws naming the cycle if their run_before/run_after constraints cannot be met.</summary>
    public void Add(params IEnumerable<Callback> cbs)
    {
        var list = cbs.ToList();
        _cbs.Add(list);
        foreach (var cb in list) cb.Learn = this;
    }

    /// <summary>Removes callbacks (fastai's remove_cbs).</summary>
    public void Remove(params IEnumerable<Callback> cbs)
    {
        var list = cbs.ToList();
        _cbs.Remove(list);
        foreach (var cb in list) cb.Learn = null;
    }

    /// <summary>
    /// fastai's splitter: the model's parameters in param groups (for freezing and discriminative learning rates),
    /// e.g. body then head. Null: one group of all parameters.
    /// </summary>
    public Func<nn.Module<Tensor, Tensor>, IEnumerable<IEnumerable<Parameter>>>? Splitter { get; set; }

    /// <summary>fastai's create_opt: the optimizer over the model's parameters, in the <see cref="Splitter"/>'s groups.</summary>
    public void CreateOpt()
    {
        Opt?.Dispose();
        if (Splitter is null) { Opt = OptFunc(Model.parameters().ToList(), Lr, null); return; }
        var groups = Splitter(Model).Select(g => g.ToList()).ToList();
        var parameters = groups.SelectMany(g => g).ToList();
        int next = 0;
        Opt = OptFunc(parameters, Lr, groups.Select(g => (IReadOnlyList<int>)Enumerable.Range((next += g.Count) - g.Count, g.Count).ToList()).ToList());
    }

    public void Dispose() => Opt?.Dispose();
}
