using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

// fastai's training loop (learner.py): every cancellable stage runs through WithEvents, fastai's
// _with_events. A stage is cancelled by a Cancel*Exception thrown from a handler or, without
// allocating, by Cancel(stage): the dispatcher stops after the handler that asked and every level
// returns until the stage's WithEvents takes the request.
public partial class Learner
{
    private Stage _pendingCancel;

    /// <summary>Whether a handler has asked (with <see cref="Cancel"/>) to cancel a stage that has not yet stopped.</summary>
    public bool CancelRequested => _pendingCancel != Stage.None;

    /// <summary>
    /// Cancels <paramref name="stage"/> as the matching Cancel*Exception would, without throwing: no
    /// further handler of the current event runs, the stage stops, then after_cancel_x and after_x run.
    /// </summary>
    public void Cancel(Stage stage) => _pendingCancel = stage;

    /// <summary>
    /// fastai's fit: trains for <paramref name="nEpoch"/> epochs at <paramref name="lr"/> (default <see cref="Lr"/>)
    /// with weight decay <paramref name="wd"/> (default <see cref="Wd"/>; null leaves the optimizer's own);
    /// <paramref name="cbs"/> are added for this fit only, and <see cref="Logger"/> is put back when it ends.
    /// <paramref name="startEpoch"/> (fastai's start_epoch) resumes a fit after <see cref="Load"/>: the epochs before it are
    /// skipped and the schedules, the loaders' shuffles and the Recorder continue where that fit was.
    /// </summary>
    public void Fit(int nEpoch, double? lr = null, IEnumerable<Callback>? cbs = null, double? wd = null, int startEpoch = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        FitArguments.Check(nEpoch, lr, wd, startEpoch);
        var added = new List<Callback>(cbs ?? []);
        var logger = Logger;   // loggers that callbacks install for this fit (Progress, CsvLogger) end with it
        Add(added);
        Interlocked.Increment(ref _fits);
        bool started = false;
        try
        {
            if (Opt is null) CreateOpt();
            if ((wd ?? Wd) is double decay) Opt!.SetHyper("wd", decay);
            Opt!.SetHyper("lr", lr ?? Lr);
            (NEpoch, StartEpoch) = (nEpoch, startEpoch);
            started = true;
            Run(Stage.Fit);
        }
        finally
        {
            if (started) _loaderEpochs += Epoch + 1;   // the next fit draws new shuffles
            StartEpoch = 0;
            Remove(added);
            Logger = logger;
            if (Interlocked.Decrement(ref _fits) == 0 && _disposed) Opt?.Dispose();
        }
    }

    /// <summary>Training epochs run by the fits before the current one: a shuffled loader's pass is numbered from them, so every fit sees new orders.</summary>
    private long _loaderEpochs;

    /// <summary>Fires <paramref name="e"/>; false when a handler asked to cancel.</summary>
    private bool Fire(Event e)
    {
        _cbs.Dispatch(e, this);
        return _pendingCancel == Stage.None;
    }

    /// <summary>Runs a stage with its events and rethrows, as the exception, a cancel that no enclosing stage took.</summary>
    private void Run(Stage stage)
    {
        _pendingCancel = Stage.None;
        WithEvents(stage);
        if (_pendingCancel == Stage.None) return;
        var unhandled = _pendingCancel;
        _pendingCancel = Stage.None;
        throw CancelException.For(unhandled);
    }

    // fastai: try: before_x; body  except CancelX: after_cancel_x;  after_x;  final()
    private void WithEvents(Stage stage)
    {
        var (before, afterCancel, after) = StageEvents(stage);
        try
        {
            if (Fire(before)) Body(stage);
        }
        catch (CancelException e) when (e.Stage == stage)
        {
            _pendingCancel = stage;
        }
        if (_pendingCancel == stage)
        {
            _pendingCancel = Stage.None;
            if (!Fire(afterCancel)) return;
        }
        else if (_pendingCancel != Stage.None) return;
        if (!Fire(after)) return;
        if (stage == Stage.Fit) EndCleanup();
    }

    private static (Event Before, Event AfterCancel, Event After) StageEvents(Stage stage) => stage switch
    {
        Stage.Backward => (Event.BeforeBackward, Event.AfterCancelBackward, Event.AfterBackward),
        Stage.Step => (Event.BeforeStep, Event.AfterCancelStep, Event.AfterStep),
        Stage.Batch => (Event.BeforeBatch, Event.AfterCancelBatch, Event.AfterBatch),
        Stage.Train => (Event.BeforeTrain, Event.AfterCancelTrain, Event.AfterTrain),
        Stage.Validate => (Event.BeforeValidate, Event.AfterCancelValidate, Event.AfterValidate),
        Stage.Epoch => (Event.BeforeEpoch, Event.AfterCancelEpoch, Event.AfterEpoch),
        _ => (Event.BeforeFit, Event.AfterCancelFit, Event.AfterFit),
    };

    private void Body(Stage stage)
    {
        switch (stage)
        {
            case Stage.Fit: DoFit(); break;
            case Stage.Epoch: DoEpoch(); break;
            case Stage.Train:
            case Stage.Validate: AllBatches(); break;
            case Stage.Batch: DoOneBatch(); break;
            case Stage.Backward: Backward(); break;
            case Stage.Step: Step(); break;
        }
    }

    private void DoFit()
    {
        for (int epoch = StartEpoch; epoch < NEpoch; epoch++)
        {
            Epoch = epoch;
            WithEvents(Stage.Epoch);
            EpochCollection.AfterEpoch();
            if (CancelRequested) return;
        }
    }

    private void DoEpoch()
    {
        Dl = Dls.Train;
        WithEvents(Stage.Train);
        if (CancelRequested) return;
        Dl = Dls.Valid;
        using (no_grad()) WithEvents(Stage.Validate);
    }

    // The loader's pass prepares the next batches on a worker; it ends (worker joined, batches disposed) with the phase.
    private void AllBatches()
    {
        var dl = Dl!;
        NIter = dl.Count;
        using var pass = _pass = dl.Pass(checked((int)(_loaderEpochs + Epoch)), ModelDevice());
        try
        {
            for (int i = 0; i < NIter && i < dl.Count; i++)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                OneBatch(pass, i);
                if (CancelRequested) return;
            }
        }
        finally { _pass = null; }
    }

    private BatchPass? _pass;

    /// <summary>Where the model is (its first parameter's device): batches go there. Null for a model without parameters.</summary>
    private Device? ModelDevice()
    {
        using var parameters = Model.parameters().GetEnumerator();
        return parameters.MoveNext() ? parameters.Current.device : null;
    }

    // Every batch runs in its own dispose scope: predictions, loss and every temporary die with it (the pass owns the batch).
    private void OneBatch(BatchPass pass, int i)
    {
        using var scope = NewDisposeScope();
        Iter = i;
        var batch = pass.Take(i);
        (Xbs, Ybs) = (batch.Xs, batch.Ys);
        (Pred, Loss, LossGrad) = (null, null, null);
        _lossValueRead = false;
        WithEvents(Stage.Batch);
    }

    // fastai's _do_one_batch; without targets there is no loss and no training step, but after_loss still fires.
    private void DoOneBatch()
    {
        Predict();
        if (!Fire(Event.AfterPred)) return;
        if (Ybs.Length > 0)
        {
            GetLoss();
            Loss ??= LossGrad?.detach().clone();
        }
        if (!Fire(Event.AfterLoss)) return;
        if (!Training || Ybs.Length == 0) return;
        WithEvents(Stage.Backward);
        if (CancelRequested) return;
        WithEvents(Stage.Step);
        if (CancelRequested) return;
        ZeroGrad();
    }

    /// <summary>
    /// Computes <see cref="Pred"/>: the callbacks that implement <see cref="IPredict"/>, or the model's forward on the
    /// batch's inputs (one input, or two for an <c>nn.Module&lt;Tensor, Tensor, Tensor&gt;</c>).
    /// </summary>
    public virtual void Predict()
    {
        var replaced = _cbs.Predictors;
        if (replaced.Length > 0) { foreach (var cb in replaced) cb.Predict(this); return; }
        try
        {
            Pred = (Model, Xbs.Length) switch
            {
                (nn.Module<Tensor, Tensor> m, 1) => m.call(Xbs[0]),
                (nn.Module<Tensor, Tensor, Tensor> m, 2) => m.call(Xbs[0], Xbs[1]),
                _ => throw new InvalidOperationException(
                    $"The default Predict calls a model that takes the batch's {Xbs.Length} input(s), but the model is a {Model.GetType().Name}. " +
                    "Override Predict in a derived Learner, or add a callback that implements IPredict, to call it."),
            };
        }
        catch (Exception e) when (BatchErrors.IsRefusal(e))
        {
            throw BatchErrors.ModelRefused(this, e);
        }
    }

    /// <summary>
    /// Computes <see cref="LossGrad"/>: the callbacks that implement <see cref="IGetLoss"/>, or <see cref="LossFunc"/> of
    /// the prediction and the target. <see cref="Loss"/>, when not set here, becomes its detached copy.
    /// </summary>
    public virtual void GetLoss()
    {
        var replaced = _cbs.LossGetters;
        if (replaced.Length > 0) { foreach (var cb in replaced) cb.GetLoss(this); return; }
        if (Ybs.Length != 1)
            throw new InvalidOperationException($"The loss function takes one target, but the batch has {Ybs.Length}. Override GetLoss in a derived Learner, or add a callback that implements IGetLoss.");
        try { LossGrad = LossFunc(Pred!, Ybs[0]); }
        catch (System.Runtime.InteropServices.ExternalException e) { throw BatchErrors.LossRefused(this, e); }
        if (LossGrad.numel() != 1) throw BatchErrors.LossNotScalar(this, LossGrad);
    }

    /// <summary>Back-propagates: the callbacks that implement <see cref="IBackward"/>, or <see cref="LossGrad"/>'s backward.</summary>
    public virtual void Backward()
    {
        var replaced = _cbs.Backwards;
        if (replaced.Length > 0) { foreach (var cb in replaced) cb.Backward(this); return; }
        LossGrad!.backward();
    }

    /// <summary>Updates the parameters: the callbacks that implement <see cref="IStep"/>, or the optimizer's step.</summary>
    public virtual void Step()
    {
        var replaced = _cbs.Steppers;
        if (replaced.Length > 0) { foreach (var cb in replaced) cb.Step(this); return; }
        Opt!.Step();
    }

    /// <summary>Resets the gradients: the callbacks that implement <see cref="IZeroGrad"/>, or the optimizer's zero_grad.</summary>
    public virtual void ZeroGrad()
    {
        var replaced = _cbs.GradZeroers;
        if (replaced.Length > 0) { foreach (var cb in replaced) cb.ZeroGrad(this); return; }
        Opt!.ZeroGrad();
    }

    private void EndCleanup() => (Dl, Xbs, Ybs, Pred, Loss, LossGrad) = (null, [], [], null, null, null);
}
