using System;
using System.Collections.Generic;
using System.Linq;
using Gen.Internals;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's MixedPrecision (order 10) for TorchSharp, which has neither autocast nor GradScaler: for the fit, the model
/// runs in bfloat16 or float16 with its norm layers kept in float32 (fastai's <c>to_fp16</c> did the same), inputs are
/// cast to that dtype and predictions back to float32; the optimizer updates float32 master weights and keeps float32
/// state, and the model gets the masters rounded after each step. float16 gets dynamic loss scaling with torch's
/// GradScaler rules (<see cref="LossScaler"/>): a step whose gradients hold inf or NaN is skipped and the scale halved.
/// At the end of the fit the model is float32 again, with the masters' values.
/// </summary>
/// <remarks>
/// <para>The step: with float16 the gradients are checked for inf/NaN first (one reduction per tensor); then the Gen
/// optimizer's generated kernel, for parameters in flat groups on the CPU, reads each low-precision gradient, unscales
/// it, updates the float32 master and its state and writes the rounded low-precision weight in one pass
/// (<see cref="FusedStep"/>). Other parameters (float32 norm layers, single-parameter groups, other devices, optimizers
/// with a non-elementwise step such as LARC's) have their gradients copied to the masters and the masters copied back
/// with tensor operations around the optimizer's step. Needs a Gen optimizer (<see cref="Optimizer.Fused"/>), which it
/// remakes over the masters at before_fit and over the model's parameters at after_fit, keeping the state.</para>
/// <para>Works with <see cref="GradientAccumulation"/> (order 6) whichever is added first: the low-precision gradients
/// accumulate until it lets a step through. Saved in a checkpoint: the scale, and during a fit the masters, so that a
/// resumed fit continues from the exact float32 weights.</para>
/// </remarks>
[Order(10)]
public sealed partial class MixedPrecision : Callback, IZeroGrad, ICheckpointed, IMasterWeights
{
    private MasterWeights? _masters;

    /// <param name="dtype"><see cref="ScalarType.BFloat16"/> (the default) or <see cref="ScalarType.Float16"/>.</param>
    /// <param name="scaler">The loss scaler for float16 (torch's defaults when null); bfloat16 needs none, as in torch, unless one is given.</param>
    public MixedPrecision(ScalarType dtype = ScalarType.BFloat16, LossScaler? scaler = null)
    {
        if (dtype is not (ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "MixedPrecision trains in ScalarType.BFloat16 or ScalarType.Float16.");
        DType = dtype;
        Scaler = scaler ?? (dtype == ScalarType.Float16 ? new LossScaler() : null);
    }

    /// <summary>The dtype the model runs in during a fit.</summary>
    public ScalarType DType { get; }

    /// <summary>The dynamic loss scaler (null: no scaling, as for bfloat16).</summary>
    public LossScaler? Scaler { get; }

    /// <summary>Steps skipped because the gradients held inf or NaN (only with a <see cref="Scaler"/>).</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>
    /// Whether the optimizer's generated kernel reads the low-precision gradients and writes the low-precision weights in
    /// the pass that updates the masters (on the CPU, for parameters in flat groups; the default). False: gradients and
    /// weights are copied with tensor operations around the optimizer's ordinary step, which gives the same numbers.
    /// </summary>
    public bool FusedStep { get; init; } = true;

    /// <summary>How many parameters the optimizer's fused kernel steps in the current (or last) fit; the others are copied around the step.</summary>
    public int FusedParameters { get; private set; }

    private LowPrecisionFormat Format => DType == ScalarType.BFloat16 ? LowPrecisionFormat.BFloat16 : LowPrecisionFormat.Float16;

    [Event]
    void BeforeFit(Learner learn)
    {
        if (learn.Opt?.Fused is null)
            throw new InvalidOperationException(
                $"MixedPrecision keeps float32 master weights in a Gen optimizer, but the Learner's optimizer is {learn.Opt?.GetType().Name ?? "missing"}. " +
                "Use one of Gen's optimizers (Optimizers.Adam(), Sgd(), ... or your own [Step] optimizer) as optFunc.");
        // A fit that ended with an exception left the model converted and the optimizer over the masters: go on from there.
        _masters ??= MasterWeights.Switch(learn, Format, FusedStep && !GradientsReadAfterThis(learn));
        FusedParameters = _masters.FusedCount;
    }

    /// <summary>
    /// Whether a callback ordered after this one handles before_step: it expects the masters' float32 gradients there
    /// (GradientClip, or a user's own), which the fused kernel never makes, since it reads the low-precision ones inside
    /// the step. Such a fit copies the gradients to the masters instead (the same numbers, fastai's to_fp16 way).
    /// </summary>
    private bool GradientsReadAfterThis(Learner learn)
    {
        var ordered = learn.OrderedCbs;
        for (int k = ordered.Count - 1; k >= 0 && ordered[k] != this; k--)
            if (ordered[k].Info.Events.Has(Event.BeforeStep)) return true;
        return false;
    }

    [Event]
    void BeforeBatch(Learner learn)
    {
        if (learn.Training) _masters?.SyncRequiresGrad(learn.Opt!.Fused!.Freezes);
        var xs = learn.Xbs;
        bool any = false;
        for (int i = 0; i < xs.Length && !any; i++) any = NeedsCast(xs[i]);
        if (!any) return;
        // Our own array, reused from batch to batch: the batch's array belongs to its loader.
        if (_castXs.Length != xs.Length) _castXs = new Tensor[xs.Length];
        for (int i = 0; i < xs.Length; i++) _castXs[i] = NeedsCast(xs[i]) ? xs[i].to(DType) : xs[i];
        learn.Xbs = _castXs;
    }

    private Tensor[] _castXs = [];

    [Event]
    void AfterPred(Learner learn)
    {
        if (learn.Pred is { } pred && pred.is_floating_point() && pred.dtype != ScalarType.Float32) learn.Pred = pred.to(ScalarType.Float32);
    }

    [Event]
    void BeforeBackward(Learner learn)
    {
        if (Scaler is not null) learn.LossGrad = learn.LossGrad! * Scaler.Scale;
    }

    [Event]
    void BeforeStep(Learner learn)
    {
        double unscale = Scaler is null ? 1 : 1 / Scaler.Scale;
        bool finite = _masters!.CopyGradsToMasters(unscale, checkFinite: Scaler is not null);
        learn.Opt!.Fused!.LowPrecisionUnscale = (float)unscale;
        if (finite) return;
        Scaler!.Update(foundInf: true);
        SkippedSteps++;
        _skipped = true;
        learn.Cancel(Stage.Step);   // zero_grad still runs
    }

    // after_step also follows a cancelled step (fastai's order): a skipped step is neither copied nor counted as clean.
    [Event]
    void AfterStep(Learner learn)
    {
        if (_skipped)
        {
            _skipped = false;
            return;
        }
        _masters!.CopyMastersToModel();
        Scaler?.Update(foundInf: false);
    }

    private bool _skipped;

    /// <summary>Zeroes the masters' gradients (the optimizer's zero_grad) and the model's.</summary>
    public void ZeroGrad(Learner learn)
    {
        learn.Opt!.ZeroGrad();
        _masters?.ZeroModelGrads();
    }

    [Event]
    void AfterFit(Learner learn)
    {
        _masters?.SwitchBack(learn);
        _masters = null;
    }

    private bool NeedsCast(Tensor x) => x.is_floating_point() && x.dtype != DType;

    /// <inheritdoc/>
    public string CheckpointKey => "mixed_precision";

    /// <summary>During a fit, the float32 master of a parameter: a checkpoint's model section holds it instead of its rounding.</summary>
    Tensor? IMasterWeights.MasterOf(string name) => _masters?.MasterOf(name);

    /// <summary>The dtype, the scaler's scale, clean and skipped steps, and during a fit the float32 masters ("master.{name}").</summary>
    public void SaveState(CheckpointState state)
    {
        state.Set("dtype", DType.ToString());
        if (Scaler is not null)
        {
            state.Set("scale", Scaler.Scale);
            state.Set("clean_steps", (long)Scaler.CleanSteps);
        }
        state.Set("skipped_steps", (long)SkippedSteps);
        if (_masters is not null)
            foreach (var (name, master) in _masters.Masters) state.Set($"master.{name}", master);
    }

    /// <summary>
    /// Restores the scaler, and during a fit the masters (a checkpoint loaded between fits gives the exact weights through
    /// its model section, from which the next fit makes its masters).
    /// </summary>
    public void LoadState(CheckpointState state)
    {
        string dtype = state.GetString("dtype");
        if (dtype != DType.ToString())
            throw new CheckpointException($"The checkpoint was trained in {dtype} mixed precision, this MixedPrecision uses {DType}; make it with {dtype} to resume that fit.");
        if ((Scaler is null) != !state.Contains("scale"))
            throw new CheckpointException($"The checkpoint's MixedPrecision {(Scaler is null ? "scaled" : "did not scale")} the loss and this one {(Scaler is null ? "does not" : "does")}; give the same scaler to resume that fit.");
        double scale = Scaler is null ? 0 : state.GetDouble("scale");
        long clean = Scaler is null ? 0 : state.GetLong("clean_steps"), skipped = state.GetLong("skipped_steps");
        var masters = _masters is null ? null : ReadMasters(state);
        Scaler?.Restore(scale, (int)clean);
        SkippedSteps = (int)skipped;
        if (masters is not null) _masters!.Load(masters);
    }

    // The saved masters, checked against the model's parameters (names and shapes); null when saved between fits.
    private Dictionary<string, Tensor>? ReadMasters(CheckpointState state)
    {
        const string prefix = "master.";
        var saved = state.Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(n => n[prefix.Length..], state.GetTensor);
        if (saved.Count == 0) return null;
        var parameters = Learn?.Model.named_parameters().ToList() ?? [];
        foreach (var (name, p) in parameters)
            if (!saved.TryGetValue(name, out var master) || !master.shape.SequenceEqual(p.shape))
                throw new CheckpointException($"The checkpoint's float32 master weights do not fit this model at '{name}'; load it into a Learner over the same architecture.");
        if (saved.Count != parameters.Count)
            throw new CheckpointException($"The checkpoint holds {saved.Count} float32 master weights, this model {parameters.Count} parameters; load it into a Learner over the same architecture.");
        return saved;
    }
}
