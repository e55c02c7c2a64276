using System;
using System.Linq;
using TorchSharp;
using Xunit;
using Gen.Internals;
using static TorchSharp.torch;
using Gen.TestSupport;

namespace Gen.Runtime.Tests;

public partial class LearnerTests
{
    private static double ValidLoss(Learner learn)
    {
        using var _ = NewDisposeScope();
        using var noGrad = no_grad();
        var (x, y) = learn.Dls.Valid.Batch(0);
        return nn.functional.mse_loss(((nn.Module<Tensor, Tensor>)learn.Model).forward(x), y).item<float>();
    }

    [Fact]
    public void A_linear_model_trains_and_its_loss_falls()
    {
        using var learn = SynthLearner.Create(trainBatches: 16, validBatches: 2);
        double before = ValidLoss(learn);
        learn.Fit(5, lr: 0.1);
        double after = ValidLoss(learn);
        Assert.True(after < before / 20, $"valid loss {before} -> {after}");
        var weight = learn.Model.parameters().First().item<float>();
        Assert.InRange(weight, 1.9, 2.1);   // the data is y = 2x + 3 + noise
    }

    private sealed partial class LossProbe : Callback
    {
        public double Sum;
        public int TrainBatches;
        [Event] void AfterBatch(Learner learn) { if (learn.Training) { Sum += learn.LossValue; TrainBatches++; } }
    }

    [Fact]
    public void Loop_state_follows_fastai()
    {
        var probe = new LossProbe();
        using var learn = SynthLearner.Create(trainBatches: 3, validBatches: 2);
        learn.Fit(2, cbs: [probe]);
        Assert.Equal(6, probe.TrainBatches);
        Assert.Equal(6, learn.TrainIter);
        Assert.Equal(1.0, learn.PctTrain, 12);
        Assert.Equal(1, learn.Epoch);
        Assert.Equal(2, learn.NIter);       // the last phase was validation, 2 batches
        Assert.False(learn.Training);
        Assert.True(double.IsFinite(probe.Sum) && probe.Sum > 0);
        Assert.Null(learn.Pred);            // fastai's _end_cleanup
    }

    [Fact]
    public void Callbacks_given_to_fit_are_there_for_that_fit_only()
    {
        var probe = new LossProbe();
        using var learn = SynthLearner.Create();
        learn.Fit(1, cbs: [probe]);
        Assert.DoesNotContain(probe, learn.Cbs);
        Assert.Null(probe.Learn);
        learn.Fit(1);
        Assert.Equal(2, probe.TrainBatches);
    }

    [Fact]
    public void A_pipeline_is_used_while_the_set_is_exactly_its_own()
    {
        var pipeline = new TracePipeline(new TrainEval(), new Tracer());
        using var learn = SynthLearner.Create(pipeline: pipeline);
        Assert.True(learn.UsesPipeline);
        var probe = new LossProbe();
        learn.Add(probe);
        Assert.False(learn.UsesPipeline);
        Assert.Equal([typeof(TrainEval), typeof(LossProbe), typeof(Tracer)], learn.OrderedCbs.Select(c => c.GetType()));
        learn.Fit(1);
        Assert.Equal(2, probe.TrainBatches);
        learn.Remove(probe);
        Assert.True(learn.UsesPipeline);
    }

    [Fact]
    public void Names_follow_fastai()
    {
        Assert.Equal("train_eval", new TrainEval().Name);
        Assert.Equal("tracer", new Tracer().Name);
        Assert.Equal("terminate_on_na_n", Ordering.CallbackNaming.SnakeName("TerminateOnNaNCallback"));
        Assert.Equal("gradient_accumulation", Ordering.CallbackNaming.SnakeName("GradientAccumulation"));
        Assert.Equal("callback", Ordering.CallbackNaming.SnakeName("Callback"));
        Assert.Equal("http_server", Ordering.CallbackNaming.CamelToSnake("HTTPServer"));
    }

    /// <summary>Hand-written metadata: the only way two callbacks can form a cycle the compiler did not see (e.g. across assemblies).</summary>
    private sealed class Manual(Type runBefore) : Callback
    {
        private readonly CallbackInfo _info = new(typeof(Manual), "manual", 0, EventMask.None, [runBefore], []);
        public override CallbackInfo Info => _info;
        public override void Invoke(Event e, Learner learn) { }
    }

    [Fact]
    public void A_cycle_among_added_callbacks_throws_naming_it_and_leaves_the_set_unchanged()
    {
        using var learn = SynthLearner.Create();
        var before = learn.Cbs.ToList();
        var ex = Assert.Throws<InvalidOperationException>(() => learn.Add(new Manual(typeof(Manual)), new Manual(typeof(Manual))));
        Assert.Contains("cycle Manual -> Manual -> Manual", ex.Message);
        Assert.Equal(before, learn.Cbs);
    }

    [Fact]
    public void Native_memory_stays_flat_over_many_batches()
    {
        using var learn = SynthLearner.Create(trainBatches: 50, validBatches: 10);
        learn.Fit(1);
        long live = DisposeScopeManager.Statistics.ThreadTotalLiveCount, fromWorkers = BatchPass.TensorsMadeByWorkers;
        learn.Fit(4);
        // TorchSharp counts per thread: the batches the loader's worker made are disposed here, on the training thread.
        long disposedHere = BatchPass.TensorsMadeByWorkers - fromWorkers;
        Assert.True(disposedHere >= 4 * 50 * 2, $"{disposedHere} tensors from the worker");
        Assert.InRange(DisposeScopeManager.Statistics.ThreadTotalLiveCount - live + disposedHere, -10, 10);
    }

    [Fact]
    public void Bad_data_gets_a_clear_error()
    {
        var e1 = Assert.Throws<ArgumentException>(() => new DataLoader(zeros(4, 1), zeros(3, 1), 2));
        Assert.Contains("x has 4 samples but y has 3", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new DataLoader(zeros(0, 1), zeros(0, 1), 2));
        Assert.Contains("empty", e2.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(zeros(4, 1), zeros(4, 1), 0));
    }

    [Fact]
    public void Shuffled_loader_covers_every_sample_once_per_pass_and_is_seeded()
    {
        var x = arange(10).unsqueeze(1);
        using var a = new DataLoader(x, x, 3, shuffle: true, seed: 7);
        using var b = new DataLoader(x, x, 3, shuffle: true, seed: 7);
        long[] Pass(DataLoader dl) { dl.StartPass(); return Enumerable.Range(0, dl.Count).SelectMany(i => dl.Batch(i).X.data<long>().ToArray()).ToArray(); }
        var first = Pass(a);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), first.Order());
        Assert.Equal(first, Pass(b));
        Assert.NotEqual(first, Pass(a));    // a new permutation each pass
    }
}
