using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's Learner: a model, data, a loss and an optimizer, trained by a loop that fires fastai's
/// events to callbacks. The state below is what callbacks read and write, with fastai's meaning.
/// The five steps of a batch (<see cref="Predict()"/>, <see cref="GetLoss"/>, <see cref="Backward"/>,
/// <see cref="Step"/>, <see cref="ZeroGrad"/>) can be replaced by a derived Learner or by callbacks
/// (<see cref="IPredict"/> ...), as in the 2022 course's Learner.
/// </summary>
public partial class Learner : IDisposable
{
    private readonly CallbackSet _cbs;

    /// <param name="model">The model; by default its forward takes the batch's inputs (one tensor, or two for an <c>nn.Module&lt;Tensor, Tensor, Tensor&gt;</c>).</param>
    /// <param name="dls">Training and validation data.</param>
    /// <param name="lossFunc">loss(pred, target) as a scalar tensor.</param>
    /// <param name="optFunc">Makes the optimizer (fastai's opt_func); default fastai's Adam (<see cref="Optimizers.Adam(double, double, double, double, bool)"/>).</param>
    /// <param name="lr">Default learning rate (fastai: 1e-3).</param>
    /// <param name="splitter">fastai's splitter: the model's parameters in param groups (see <see cref="Splitter"/>).</param>
    /// <param name="cbs">Callbacks besides the defaults. TrainEval is always added unless given; the <see cref="Defaults"/>
    /// (Recorder, Progress) are added except for the types already in <paramref name="cbs"/>, and unless a <paramref name="pipeline"/> is given.</param>
    /// <param name="metrics">Metrics computed on the validation set every epoch (fastai's <c>metrics</c>), read by the Recorder.</param>
    /// <param name="pipeline">A compile-time ordered callback set; used for dispatch while the set is exactly it.</param>
    /// <param name="wd">fastai's wd: the weight decay every fit sets (null: the optimizer's own default).</param>
    /// <param name="wdBnBias">fastai's wd_bn_bias: when false (the default), no weight decay on norm layers' parameters and on biases.</param>
    /// <param name="trainBn">fastai's train_bn: when true (the default), norm layers' parameters train even in frozen param groups.</param>
    /// <param name="moms">fastai's moms: the momentum schedule of fit_one_cycle, default (0.95, 0.85, 0.95).</param>
    /// <param name="defaultCbs">fastai's default_cbs: false leaves out the <see cref="Defaults"/> (TrainEval stays).</param>
    /// <param name="device">Where the model trains (fastai's default_device when null: CUDA when TorchSharp sees a GPU, else the CPU).
    /// The model moves there now; every batch moves there in the loop.</param>
    public Learner(nn.Module model, DataLoaders dls, Func<Tensor, Tensor, Tensor> lossFunc,
                   OptimizerFactory? optFunc = null, double lr = 1e-3, Func<nn.Module, IEnumerable<IEnumerable<Parameter>>>? splitter = null,
                   IEnumerable<Callback>? cbs = null, IEnumerable<Metric>? metrics = null, CallbackPipeline? pipeline = null,
                   double? wd = null, bool wdBnBias = false, bool trainBn = true, (double Start, double Middle, double End)? moms = null,
                   bool defaultCbs = true, Device? device = null)
    {
        NativeAllocator.TuneOnce();
        Splitter = splitter;
        ArgumentNullException.ThrowIfNull(model);
        Device = device ?? DefaultDevice();
        Model = model.to(Device);   // once; the loaders' passes bring each batch here
        Dls = dls ?? throw new ArgumentNullException(nameof(dls));
        LossFunc = lossFunc ?? throw new ArgumentNullException(nameof(lossFunc));
        OptFunc = optFunc ?? Optimizers.Adam();
        Lr = lr;
        Metrics = [.. metrics ?? []];
        (Wd, WdBnBias, TrainBn, Moms) = (wd, wdBnBias, trainBn, moms ?? (0.95, 0.85, 0.95));
        _cbs = new CallbackSet(pipeline);
        foreach (var cb in _cbs.Inserted) cb.Learn = this;
        var given = (cbs ?? []).ToList();
        var present = _cbs.Inserted.Concat(given).Select(cb => cb.GetType()).ToHashSet();
        var defaults = defaultCbs && pipeline is null ? Defaults.Callbacks() : [];   // a pipeline declares the whole set at compile time
        var extra = defaults.Where(cb => !present.Contains(cb.GetType())).Concat(given).ToList();
        if (!present.Contains(typeof(TrainEval))) extra.Insert(0, new TrainEval());
        Add(extra);
        Fire(Event.AfterCreate);
    }

    /// <summary>The device the model was moved to when the Learner was made.</summary>
    public Device Device { get; }

    /// <summary>fastai's default_device: the first CUDA device when TorchSharp sees one, else the CPU.</summary>
    public static Device DefaultDevice() => cuda.is_available() ? CUDA : CPU;

    /// <summary>The model. The default <see cref="Predict()"/> calls its forward on the batch's inputs.</summary>
    public nn.Module Model { get; set; }
    /// <summary>fastai's <c>dls</c>: the training and validation loaders.</summary>
    public DataLoaders Dls { get; set; }

    /// <summary>fastai's <c>loss_func</c>: loss(pred, target) as a scalar tensor; made from a <see cref="LossFunction"/>, it also gives the activation and decodes.</summary>
    public Func<Tensor, Tensor, Tensor> LossFunc { get; set; }

    /// <summary>fastai's <c>opt_func</c>: makes the optimizer in <see cref="CreateOpt"/>.</summary>
    public OptimizerFactory OptFunc { get; set; }

    /// <summary>The optimizer; made by <see cref="OptFunc"/> at the first fit.</summary>
    public Optimizer? Opt { get; set; }

    /// <summary>Default learning rate for <see cref="Fit"/>.</summary>
    public double Lr { get; set; }

    /// <summary>Default weight decay for <see cref="Fit"/> (fastai's <c>wd</c>); null keeps the optimizer's default.</summary>
    public double? Wd { get; set; }

    /// <summary>fastai's <c>metrics</c>: computed on the validation set every epoch by the Recorder.</summary>
    public IReadOnlyList<Metric> Metrics { get; set; }

    /// <summary>fastai's wd_bn_bias: whether norm layers' parameters and biases get weight decay (applied when the optimizer is made).</summary>
    public bool WdBnBias { get; set; }

    /// <summary>fastai's train_bn: whether norm layers' parameters train in frozen param groups (applied when the optimizer is made).</summary>
    public bool TrainBn { get; set; }

    /// <summary>fastai's moms: the momentum schedule (start, middle, end) fit_one_cycle uses by default.</summary>
    public (double Start, double Middle, double End) Moms { get; set; }

    /// <summary>
    /// fastai's <c>learn.logger</c>: receives the Recorder's row at the end of every epoch. Prints it by default;
    /// Progress (and CsvLogger) replace or chain it in before_fit; every fit puts back the logger it started with.
    /// </summary>
    public Action<EpochRecord> Logger { get; set; } = static record => Console.WriteLine(string.Join("  ", record.Cells()));

    /// <summary>The callbacks in insertion order (fastai's <c>learn.cbs</c>).</summary>
    public IReadOnlyList<Callback> Cbs => _cbs.Inserted;

    /// <summary>The callbacks in the order their handlers run.</summary>
    public IReadOnlyList<Callback> OrderedCbs => _cbs.Ordered;

    /// <summary>Whether events go through the generated pipeline (true while the set is exactly the pipeline's).</summary>
    public bool UsesPipeline => _cbs.UsesPipeline;

    /// <summary>The loader of the current phase.</summary>
    public DataLoader? Dl { get; set; }

    /// <summary>The batch's inputs (fastai's <c>xb</c>, a tuple: one tensor per input of the model).</summary>
    public Tensor[] Xbs { get; set; } = [];

    /// <summary>The batch's targets (fastai's <c>yb</c>, a tuple: one tensor per target).</summary>
    public Tensor[] Ybs { get; set; } = [];

    /// <summary>The batch's first (usually only) input, fastai's <c>xb[0]</c>; setting it replaces that input.</summary>
    public Tensor? Xb { get => Xbs.Length > 0 ? Xbs[0] : null; set => Xbs = WithFirst(Xbs, value); }

    /// <summary>The batch's first (usually only) target, fastai's <c>yb[0]</c>; setting it replaces that target.</summary>
    public Tensor? Yb { get => Ybs.Length > 0 ? Ybs[0] : null; set => Ybs = WithFirst(Ybs, value); }

    /// <summary>The model's output that the loss reads (fastai's <c>pred</c>).</summary>
    public Tensor? Pred { get; set; }

    /// <summary>The loss of the batch, detached from the graph (fastai's <c>loss</c>).</summary>
    public Tensor? Loss { get; set; }

    /// <summary>The loss the backward pass starts from (fastai's <c>loss_grad</c>).</summary>
    public Tensor? LossGrad { get; set; }

    /// <summary>fastai's <c>n_epoch</c>: the number of epochs of the current (or last) fit; 1 before the first.</summary>
    public int NEpoch { get; set; } = 1;

    /// <summary>The epoch the current fit started at (fastai's <c>start_epoch</c>): 0, or where a resumed fit continues.</summary>
    public int StartEpoch { get; private set; }

    /// <summary>fastai's <c>n_iter</c>: the number of batches of the current phase, its loader's count, set after before_train or before_validate.</summary>
    public int NIter { get; set; }

    /// <summary>fastai's <c>epoch</c>: the index of the current epoch, from 0.</summary>
    public int Epoch { get; set; }

    /// <summary>fastai's <c>iter</c>: the index of the current batch in its phase, from 0.</summary>
    public int Iter { get; set; }

    /// <summary>fastai's <c>train_iter</c>: the training batches done in the current fit (a resumed fit counts its skipped epochs), kept by <see cref="TrainEval"/>.</summary>
    public int TrainIter { get; set; }

    /// <summary>fastai's <c>pct_train</c>: the fraction of the fit's training done, from 0 to 1, kept by <see cref="TrainEval"/>.</summary>
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
        if (list.Any(cb => cb is null)) throw new ArgumentNullException(nameof(cbs), "A callback to add is null.");
        var twice = list.FirstOrDefault(cb => _cbs.Inserted.Contains(cb)) ?? list.GroupBy(cb => cb).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (twice is not null)
            throw new ArgumentException($"This {twice.GetType().Name} instance is already among the Learner's callbacks; a callback runs once per event. Add a new instance, or leave it out of cbs.", nameof(cbs));
        _cbs.Add(list);
        foreach (var cb in list) cb.Learn = this;
        GivePendingState(list);
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
    public Func<nn.Module, IEnumerable<IEnumerable<Parameter>>>? Splitter { get; set; }

    /// <summary>
    /// fastai's create_opt: the optimizer over the model's parameters, in the <see cref="Splitter"/>'s groups; then,
    /// unless <see cref="WdBnBias"/>, no weight decay on norm layers and biases, and with <see cref="TrainBn"/> norm
    /// layers that train when frozen (fastai's do_wd and force_train states, for Gen optimizers).
    /// </summary>
    public void CreateOpt()
    {
        Opt?.Dispose();
        Opt = null;   // if OptFunc throws, the next fit makes a new one rather than use a disposed one
        Opt = NewOpt();
    }

    private Optimizer NewOpt() => NewOpt(p => p);

    /// <summary>
    /// What <see cref="CreateOpt"/> makes, with each of the model's parameters replaced by <paramref name="substitute"/>'s
    /// tensor of the same shape (MixedPrecision's float32 master weights); groups and norm/bias states follow the model's.
    /// </summary>
    internal Optimizer NewOpt(Func<Parameter, Parameter> substitute)
    {
        var groups = (Splitter?.Invoke(Model) ?? [Model.parameters()]).Select(g => g.ToList()).ToList();
        var parameters = groups.SelectMany(g => g).ToList();
        int next = 0;
        var opt = OptFunc(parameters.Select(substitute).ToList(), Lr,
                          Splitter is null ? null : groups.Select(g => (IReadOnlyList<int>)Enumerable.Range((next += g.Count) - g.Count, g.Count).ToList()).ToList());
        if (opt.Fused is { } fused) NormBiasParams.ApplyState(Model, parameters, fused, WdBnBias, TrainBn);
        return opt;
    }

    private static Tensor[] WithFirst(Tensor[] tensors, Tensor? first)
    {
        if (first is null) return [];
        if (tensors.Length == 0) return [first];
        var copy = (Tensor[])tensors.Clone();
        copy[0] = first;
        return copy;
    }

    /// <summary>Releases the optimizer; see <see cref="Dispose(bool)"/>.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Releases the optimizer. Called during a fit (from a callback or another thread), it stops the loader's worker and
    /// the fit ends with an <see cref="ObjectDisposedException"/> at the next batch; the optimizer is released when the fit has stopped.
    /// A derived Learner releases what it holds and calls this.
    /// </summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing || _disposed) return;
        _disposed = true;
        _pass?.Stop();
        if (Volatile.Read(ref _fits) == 0) Opt?.Dispose();
    }

    private volatile bool _disposed;
    private int _fits;   // fits running: a Learner disposed during one releases its optimizer when it ends
}
