using System;
using System.IO;

namespace Gen;

/// <summary>
/// fastai's SaveModelCallback (order 61): saves the model with <see cref="Learner.Save"/> each time
/// <see cref="TrackerCallback.Monitor"/> improves and loads the best one back at the end of the fit, writing
/// "Better model found at epoch N with valid_loss value: X." as fastai prints. With <see cref="EveryEpoch"/> it saves
/// every n epochs instead, each to its own file (<c>model_3.ckpt</c> for epoch 3); with <see cref="AtEnd"/> it saves
/// the best as it goes and the final model at the end, keeping the final one.
/// </summary>
/// <remarks>
/// fastai names a file under <c>learn.path/models</c>; Gen's <see cref="Learner.Save"/> writes exactly the path it is
/// given, so <see cref="Path"/> is the file (relative to the working folder), and its folder is created when missing.
/// Loading the best model back at the end restores the weights (and the optimizer with <see cref="WithOpt"/>) only:
/// the Recorder's history, the schedule and the other callbacks keep the fit as it ran.
/// </remarks>
[Order(TrackerOrder + 1)]
[RunAfter(typeof(Recorder))]
public sealed partial class SaveModel : TrackerCallback
{
    /// <param name="monitor">The recorded value to track: <c>train_loss</c>, <c>valid_loss</c> or a metric's name.</param>
    /// <param name="comp">Which way the value improves; null infers it from the name (fastai's rule).</param>
    /// <param name="minDelta">How much a value must beat the best by to count as an improvement.</param>
    /// <param name="path">The checkpoint file (fastai's <c>fname</c>, here a path); <c>models/model.ckpt</c> by default.</param>
    /// <param name="everyEpoch">Save every this many epochs instead of on improvement (fastai's <c>every_epoch</c>; 0: off).</param>
    /// <param name="atEnd">Save the final model at the end instead of loading the best one (fastai's <c>at_end</c>).</param>
    /// <param name="withOpt">Save (and load back) the optimizer state too (fastai's <c>with_opt</c>).</param>
    /// <param name="resetOnFit">Whether every fit starts from no best value.</param>
    public SaveModel(string monitor = "valid_loss", TrackerComp? comp = null, double minDelta = 0, string path = "models/model.ckpt",
                     int everyEpoch = 0, bool atEnd = false, bool withOpt = false, bool resetOnFit = true)
        : base(monitor, comp, minDelta, resetOnFit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (everyEpoch < 0)
            throw new ArgumentOutOfRangeException(nameof(everyEpoch), everyEpoch, "every_epoch is a number of epochs between saves, 1 or more, or 0 to save on improvement.");
        if (everyEpoch > 0 && atEnd)
            throw new ArgumentException("every_epoch and at_end cannot both be set (fastai refuses them too): choose saving every n epochs, or the final model at the end.", nameof(atEnd));
        Path = path;
        EveryEpoch = everyEpoch;
        AtEnd = atEnd;
        WithOpt = withOpt;
    }

    /// <summary>The checkpoint file the best (or final) model goes to.</summary>
    public string Path { get; }

    /// <summary>fastai's <c>every_epoch</c>: save every this many epochs (0: save on improvement).</summary>
    public int EveryEpoch { get; }

    /// <summary>fastai's <c>at_end</c>.</summary>
    public bool AtEnd { get; }

    /// <summary>fastai's <c>with_opt</c>.</summary>
    public bool WithOpt { get; }

    /// <summary>fastai's <c>last_saved_path</c>: the full path of the last file written, null before the first save.</summary>
    public string? LastSavedPath { get; private set; }

    /// <summary>The file an epoch's save goes to with <see cref="EveryEpoch"/>: <c>models/model_3.ckpt</c> for epoch 3.</summary>
    public string EpochPath(int epoch) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path) ?? "",
                               $"{System.IO.Path.GetFileNameWithoutExtension(Path)}_{epoch}{System.IO.Path.GetExtension(Path)}");

    [Event]
    void BeforeFit(Learner learn)
    {
        StartTracking(learn);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
        Directory.CreateDirectory(folder);   // fastai's save makes its models folder too
    }

    [Event]
    void AfterEpoch(Learner learn)
    {
        if (!IsTracking) return;
        if (EveryEpoch > 0)
        {
            if (learn.Epoch % EveryEpoch == 0) Save(learn, EpochPath(learn.Epoch));
            return;
        }
        if (!TrackEpoch(learn) || !NewBest) return;
        Report($"Better model found at epoch {learn.Epoch} with {Monitor} value: {Format(Best)}.");
        Save(learn, Path);
    }

    [Event]
    void AfterFit(Learner learn)
    {
        if (!IsTracking) return;
        if (AtEnd) Save(learn, Path);
        else if (EveryEpoch == 0 && LastSavedPath is not null) learn.Load(Path, WithOpt, resume: false);   // no epoch ended: nothing to load
    }

    private void Save(Learner learn, string path) => LastSavedPath = learn.Save(path, WithOpt);
}
