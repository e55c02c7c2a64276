using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Gen.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>
/// fastai's SaveModelCallback on real fits with a scripted monitor: which epochs it saves, what it prints, and that the
/// weights at the end are the ones an independent snapshot took at the best epoch.
/// </summary>
public partial class TrackerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"gen-savemodel-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    /// <summary>Copies the model's weights at the end of every epoch (an independent record of what each epoch left).</summary>
    private sealed partial class WeightsPerEpoch : Callback
    {
        public List<float[]> Snapshots { get; } = [];

        [Event]
        void AfterEpoch(Learner learn) =>
            Snapshots.Add(learn.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray());
    }

    private static float[] Weights(Learner learn) => learn.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [Fact]
    public void SaveModel_saves_each_improvement_and_loads_the_best_at_the_end()
    {
        var output = new StringWriter();
        var path = Path.Combine(_folder, "sub", "best.ckpt");   // the folder does not exist yet: SaveModel makes it
        var saver = Silent(new SaveModel("accuracy", path: path), output);
        var snapshots = new WeightsPerEpoch();
        using var learn = Synth(lr: 0.1, [new Scripted("accuracy", 0.5, 0.7, 0.6)], saver, snapshots);
        learn.Fit(3);

        Assert.Equal(
            ["Better model found at epoch 0 with accuracy value: 0.5.", "Better model found at epoch 1 with accuracy value: 0.7."],
            output.ToString().Trim().Split(Environment.NewLine));
        Assert.NotEqual(snapshots.Snapshots[1], snapshots.Snapshots[2]);   // premise: the last epoch moved the weights
        Assert.Equal(snapshots.Snapshots[1], Weights(learn));
        Assert.Equal(Path.GetFullPath(path), saver.LastSavedPath);
        Assert.Equal(3, EpochsRun(learn));   // loading the best model leaves the fit's history as it ran
    }

    [Fact]
    public void SaveModel_every_epoch_writes_one_file_per_nth_epoch_and_keeps_the_final_weights()
    {
        var path = Path.Combine(_folder, "model.ckpt");
        var snapshots = new WeightsPerEpoch();
        using var learn = Synth(lr: 0.1, cbs: [Silent(new SaveModel(path: path, everyEpoch: 2)), snapshots]);
        learn.Fit(4);

        Assert.Equal(["model_0.ckpt", "model_2.ckpt"], Directory.GetFiles(_folder).Select(f => Path.GetFileName(f)!).Order().ToArray());
        Assert.Equal(snapshots.Snapshots[3], Weights(learn));
        using var fresh = Synth(lr: 0.1);
        fresh.Load(Path.Combine(_folder, "model_2.ckpt"), withOpt: false, resume: false);
        Assert.Equal(snapshots.Snapshots[2], Weights(fresh));
    }

    [Fact]
    public void SaveModel_at_end_keeps_and_saves_the_final_model()
    {
        var path = Path.Combine(_folder, "model.ckpt");
        var snapshots = new WeightsPerEpoch();
        using var learn = Synth(lr: 0.1, [new Scripted("accuracy", 0.7, 0.5)], Silent(new SaveModel("accuracy", path: path, atEnd: true)), snapshots);
        learn.Fit(2);

        Assert.Equal(snapshots.Snapshots[1], Weights(learn));
        using var fresh = Synth(lr: 0.1);
        fresh.Load(path, withOpt: false, resume: false);
        Assert.Equal(snapshots.Snapshots[1], Weights(fresh));
    }

    [Fact]
    public void SaveModel_with_opt_brings_back_the_best_epochs_optimizer_state()
    {
        // Adam's step count after epoch 0 (2 batches) is what the best epoch saved; the end of a 2-epoch fit would say 4.
        var path = Path.Combine(_folder, "model.ckpt");
        manual_seed(0);
        using var learn = new Learner(nn.Linear(1, 1), SynthLearner.Data(2, 1), Mse, optFunc: Optimizers.Adam(), lr: 0.01,
                                      metrics: [new Scripted("accuracy", 0.7, 0.5)],
                                      cbs: [Progress.Quiet(), Silent(new SaveModel("accuracy", path: path, withOpt: true))]);
        learn.Fit(2);
        var steps = learn.Opt!.StateDict().Params.Select(p => p.PerTensor["step"]).ToArray();
        Assert.Equal([2.0, 2.0], steps);
    }

    [Fact]
    public void SaveModel_writes_nothing_while_the_lr_finder_runs()
    {
        var path = Path.Combine(_folder, "model.ckpt");
        var saver = Silent(new SaveModel(path: path));
        using var learn = Synth(lr: 0.1, cbs: saver);
        learn.LrFind(numIt: 6, stopDiv: false);
        Assert.False(File.Exists(path));
        Assert.Null(saver.LastSavedPath);
    }

    [Fact]
    public void SaveModel_refuses_every_epoch_with_at_end_and_a_negative_period()
    {
        Assert.Contains("cannot both be set", Assert.Throws<ArgumentException>(() => new SaveModel(everyEpoch: 1, atEnd: true)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SaveModel(everyEpoch: -1));
        Assert.Throws<ArgumentException>(() => new SaveModel(path: " "));
    }
}
