using System;
using System.IO;
using System.Linq;
using Gen.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

public partial class CheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gen-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static Learner Trained(OptimizerFactory? optFunc = null, int outputs = 1, params Callback[] cbs)
    {
        manual_seed(0);
        var learn = new Learner(nn.Sequential(nn.Linear(1, 4), nn.ReLU(), nn.Linear(4, outputs)), SynthLearner.Data(4, 1),
                                (p, y) => nn.functional.mse_loss(p.narrow(1, 0, 1), y), optFunc: optFunc ?? Optimizers.Adam(), lr: 1e-2,
                                cbs: [Progress.Quiet(), .. cbs]);
        learn.Fit(2);
        return learn;
    }

    private static float[] Weights(Learner learn) => learn.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    /// <summary>A callback with its own state: how many training batches it has seen.</summary>
    private sealed partial class BatchCounter(string key = "batch_counter") : Callback, ICheckpointed
    {
        public long Count;
        public bool FailOnSave;

        [Event] void AfterBatch(Learner learn) { if (learn.Training) Count++; }

        public string CheckpointKey => key;

        public void SaveState(CheckpointState state)
        {
            if (FailOnSave) throw new IOException("disk full (simulated)");
            state.Set("count", Count);
        }

        public void LoadState(CheckpointState state) => Count = state.GetLong("count");
    }

    [Fact]
    public void Save_then_load_puts_back_the_model_the_optimizer_state_the_loop_position_and_callback_state()
    {
        var counter = new BatchCounter();
        using var learn = Trained(cbs: counter);
        var path = learn.Save(PathOf("a.ckpt"));
        Assert.Equal(PathOf("a.ckpt"), path);
        var weights = Weights(learn);
        var state = learn.Opt!.StateDict();
        int epoch = learn.Epoch, trainIter = learn.TrainIter;

        learn.Fit(1, lr: 0.5);   // changes all of it
        Assert.NotEqual(weights, Weights(learn));
        Assert.Equal(12, counter.Count);
        learn.Load(path);

        Assert.Equal(weights, Weights(learn));
        Assert.Equal(8, counter.Count);
        Assert.Equal((epoch, trainIter), (learn.Epoch, learn.TrainIter));
        var loaded = learn.Opt!.StateDict();
        Assert.Equal(state.Hypers.Select(h => h.OrderBy(kv => kv.Key).ToList()), loaded.Hypers.Select(h => h.OrderBy(kv => kv.Key).ToList()));
        for (int i = 0; i < state.Params.Count; i++)
        {
            Assert.Equal(state.Params[i].PerTensor.OrderBy(kv => kv.Key), loaded.Params[i].PerTensor.OrderBy(kv => kv.Key));
            foreach (var (name, buffer) in state.Params[i].Buffers) Assert.Equal(buffer.data<float>().ToArray(), loaded.Params[i].Buffers[name].data<float>().ToArray());
        }
    }

    [Fact]
    public void A_write_that_fails_midway_leaves_the_previous_checkpoint_whole_and_no_temporary_file()
    {
        var counter = new BatchCounter();
        using var learn = Trained(cbs: counter);
        var path = learn.Save(PathOf("last-good.ckpt"));
        var good = File.ReadAllBytes(path);
        var goodWeights = Weights(learn);

        learn.Fit(1);
        counter.FailOnSave = true;   // the model and optimizer sections are already in the temporary file when this throws
        Assert.Throws<IOException>(() => learn.Save(path));

        Assert.Equal(good, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
        counter.FailOnSave = false;
        learn.Load(path);
        Assert.Equal(goodWeights, Weights(learn));
    }

    [Fact]
    public void A_truncated_or_damaged_file_is_refused_and_the_learner_is_unchanged()
    {
        using var learn = Trained();
        var path = learn.Save(PathOf("c.ckpt"));
        var bytes = File.ReadAllBytes(path);
        learn.Fit(1);
        var weights = Weights(learn);

        File.WriteAllBytes(PathOf("half.ckpt"), bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated or damaged", Assert.Throws<CheckpointException>(() => learn.Load(PathOf("half.ckpt"))).Message);
        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 3] ^= 0x40;
        File.WriteAllBytes(PathOf("flipped.ckpt"), flipped);
        Assert.Contains("truncated or damaged", Assert.Throws<CheckpointException>(() => learn.Load(PathOf("flipped.ckpt"))).Message);
        File.WriteAllText(PathOf("notes.txt"), "not a checkpoint");
        Assert.Contains("not a Gen checkpoint", Assert.Throws<CheckpointException>(() => learn.Load(PathOf("notes.txt"))).Message);
        Assert.Contains("no checkpoint at", Assert.Throws<FileNotFoundException>(() => learn.Load(PathOf("missing.ckpt"))).Message);

        Assert.Equal(weights, Weights(learn));
    }

    [Fact]
    public void A_checkpoint_of_another_model_is_refused_naming_the_parameter_and_shapes()
    {
        using var saved = Trained(outputs: 2);
        var path = saved.Save(PathOf("two-outputs.ckpt"));
        using var learn = Trained(outputs: 1);
        var weights = Weights(learn);

        var error = Assert.Throws<CheckpointException>(() => learn.Load(path));
        Assert.Contains("'2.weight' has shape [2, 4] in the checkpoint but [1, 4] here", error.Message);
        Assert.Equal(weights, Weights(learn));
    }

    [Fact]
    public void A_checkpoint_of_another_optimizer_is_refused_and_nothing_changes()
    {
        var counter = new BatchCounter();
        using var saved = Trained(optFunc: Optimizers.Sgd(mom: 0.9), cbs: counter);
        var path = saved.Save(PathOf("sgd.ckpt"));
        var mine = new BatchCounter();
        using var learn = Trained(cbs: mine);
        var weights = Weights(learn);
        long count = mine.Count;
        mine.Count = 99;

        var error = Assert.Throws<CheckpointException>(() => learn.Load(path));
        Assert.Contains("Sgd", error.Message);
        Assert.Contains("Adam", error.Message);
        Assert.Equal(weights, Weights(learn));
        Assert.Equal(99, mine.Count);   // the callback state loaded before the optimizer failed was put back
        learn.Load(path, withOpt: false);   // the model alone fits
        Assert.Equal(Weights(saved), Weights(learn));
        Assert.Equal(99, mine.Count);
        Assert.True(count > 0);
    }

    [Fact]
    public void A_callback_added_after_load_gets_its_saved_state_when_it_joins()
    {
        var counter = new BatchCounter("per_fit_counter");
        using var learn = Trained();
        learn.Fit(1, cbs: [counter]);
        Assert.Equal(4, counter.Count);
        learn.Add(counter);
        var path = learn.Save(PathOf("pending.ckpt"));
        learn.Remove(counter);

        learn.Load(path);
        var later = new BatchCounter("per_fit_counter");
        learn.Fit(1, cbs: [later]);
        Assert.Equal(8, later.Count);   // 4 loaded + 4 of this fit
    }

    [Fact]
    public void A_torchsharp_optimizer_state_travels_too()
    {
        using var learn = Trained(optFunc: TorchOptimizer.Adam);
        var path = learn.Save(PathOf("torch-adam.ckpt"));
        learn.Fit(1);
        var continued = Weights(learn);

        learn.Load(path);
        learn.Fit(1);
        Assert.Equal(continued, Weights(learn));   // Adam's moments and step came back: the same epoch gives the same weights
    }
}
