using System;
using System.Collections.Generic;
using System.Linq;
using Gen.Samples.ChapterCallbacks;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>The chapter's own callbacks (ModelResetter, RNNRegularizer, cancelling after N batches) and the LSTM sample.</summary>
public class ChapterCallbackTests
{
    private const int Vocab = 10;

    private static Learner LanguageModel(double lr = 1e-2, int train = 256, params Callback[] cbs)
    {
        manual_seed(0);
        return new Learner(new LstmLanguageModel(Vocab), CountingSequences.Loaders(train: train, vocab: Vocab), LstmLanguageModel.Loss,
                           lr: lr, cbs: [Progress.Quiet(), .. cbs]);
    }

    [Fact]
    public void RnnRegularizer_adds_ar_on_the_dropped_output_and_tar_on_the_raw_output_in_training_only()
    {
        const double alpha = 2, beta = 3;
        var probe = new RegularizerProbe();
        using var learn = LanguageModel(cbs: [new RnnRegularizer(alpha, beta), probe]);
        learn.Fit(1);

        var batch = probe.FirstTraining!;
        // Hand computation from the very outputs the model produced: AR = alpha * mean(out^2), TAR = beta * mean((h[:,t] - h[:,t-1])^2).
        double ar = alpha * batch.Dropped.Average(v => (double)v * v);
        var (b, t, f) = batch.Shape;
        double tarSum = 0;
        for (int i = 0; i < b; i++)
            for (int s = 1; s < t; s++)
                for (int k = 0; k < f; k++)
                {
                    double d = batch.Raw[(i * t + s) * f + k] - batch.Raw[(i * t + s - 1) * f + k];
                    tarSum += d * d;
                }
        double tar = beta * tarSum / (b * (t - 1) * f);
        Assert.NotEqual(batch.Dropped, batch.Raw);   // dropout was active: AR reads the dropped output, not the raw one
        Assert.Equal(batch.PlainLoss + ar + tar, batch.RegularizedLoss, 5);
        Assert.True(ar > 1e-4 && tar > 1e-4, $"both terms should matter on this batch (AR {ar}, TAR {tar})");
        // In validation the loss is left alone, as fastai (run_valid = False).
        Assert.NotEmpty(probe.Validation);
        Assert.All(probe.Validation, v => Assert.Equal(v.PlainLoss, v.RegularizedLoss, 6));
    }

    [Fact]
    public void RnnRegularizer_needs_a_model_that_exposes_its_outputs()
    {
        using var learn = new Learner(nn.Sequential(nn.Linear(1, 1)), Regression(), (p, y) => nn.functional.mse_loss(p, y),
                                      cbs: [Progress.Quiet(), new RnnRegularizer(alpha: 1)]);
        var error = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains(nameof(IRnnOutputs), error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnnRegularizer(alpha: -1));
    }

    [Fact]
    public void ModelResetter_resets_before_training_before_validation_and_after_the_fit()
    {
        var trace = new List<string>();
        using var learn = new Learner(new TracedResettable(trace), Regression(), (p, y) => nn.functional.mse_loss(p, y),
                                      cbs: [Progress.Quiet(), new PhaseTrace(trace), new ModelResetter()]);
        learn.Fit(2);
        // fastai: before_train, before_validate and after_fit each call model.reset().
        string[] epoch = ["before_train", "reset", "before_validate", "reset"];
        Assert.Equal(["before_fit", .. epoch, .. epoch, "after_fit", "reset"], trace);
        Assert.Equal(5, trace.Count(e => e == "reset"));
    }

    [Fact]
    public void ModelResetter_needs_a_resettable_model()
    {
        using var learn = new Learner(nn.Sequential(nn.Linear(1, 1)), Regression(), (p, y) => nn.functional.mse_loss(p, y),
                                      cbs: [Progress.Quiet(), new ModelResetter()]);
        var error = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains(nameof(IResettable), error.Message);
    }

    [Fact]
    public void StopAfterBatches_cancels_the_fit_after_exactly_n_training_batches_and_the_fit_still_ends()
    {
        var trace = new List<string>();
        var recorder = new Recorder();
        // 4 training batches per epoch: 6 batches end the fit in the second epoch, after its second batch.
        using var learn = new Learner(nn.Sequential(nn.Linear(1, 1)), Regression(trainBatches: 4), (p, y) => nn.functional.mse_loss(p, y),
                                      cbs: [Progress.Quiet(), recorder, new BatchTrace(trace), new StopAfterBatches(6)]);
        learn.Fit(5);

        Assert.Equal(6, trace.Count(e => e == "train_batch"));
        Assert.Equal(6, learn.TrainIter);
        Assert.Equal(6, recorder.Losses.Count);   // it runs after the Recorder: the last batch is recorded
        Assert.Single(recorder.Values);           // only the first epoch finished
        // The cancelled fit skips after_train and after_epoch of the second epoch, then runs after_cancel_fit and after_fit.
        Assert.Equal(["train_batch", "train_batch", "after_cancel_fit", "after_fit"], trace.TakeLast(4));
        Assert.Equal(1, trace.Count(e => e == "after_epoch"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StopAfterBatches(0));
    }

    [Fact]
    public void The_lstm_language_model_learns_with_the_rnn_callbacks()
    {
        var recorder = new Recorder();
        using var learn = LanguageModel(cbs: [recorder, .. RnnCallbacks.Create(alpha: 2, beta: 1)]);
        learn.Fit(6);
        var valid = recorder.Values.Select(v => v.ValidLoss).ToArray();
        // Guessing uniformly among the 10 tokens costs ln 10 = 2.30; counting by a step inferred from the context costs far less.
        Assert.True(valid[0] < Math.Log(Vocab), $"first epoch {valid[0]}");
        Assert.True(valid[^1] < 0.5 * valid[0], $"valid losses {string.Join(", ", valid)}");
        Assert.True(recorder.Values[^1].TrainLoss < recorder.Values[0].TrainLoss);
        Assert.False(((LstmLanguageModel)learn.Model).HasState);   // ModelResetter reset it after the fit
    }

    /// <summary>y = 2x + 3 on <paramref name="trainBatches"/> shuffled batches of 4, one validation batch.</summary>
    private static DataLoaders Regression(int trainBatches = 2)
    {
        var x = linspace(-1, 1, trainBatches * 4).unsqueeze(1);
        var y = 2 * x + 3;
        return new DataLoaders(new DataLoader(x, y, 4, shuffle: true, seed: 1), new DataLoader(x, y, 8));
    }
}

/// <summary>A linear model that writes "reset" into a trace when reset.</summary>
internal sealed class TracedResettable : nn.Module<Tensor, Tensor>, IResettable
{
    private readonly TorchSharp.Modules.Linear linear = nn.Linear(1, 1);
    private readonly List<string> _trace;

    public TracedResettable(List<string> trace) : base(nameof(TracedResettable))
    {
        _trace = trace;
        RegisterComponents();
    }

    public void Reset() => _trace.Add("reset");

    public override Tensor forward(Tensor x) => linear.call(x);
}

/// <summary>Writes the phase events into a trace, before ModelResetter handles them.</summary>
[RunBefore(typeof(ModelResetter))]
internal sealed partial class PhaseTrace(List<string> trace) : Callback
{
    [Event] void BeforeFit() => trace.Add("before_fit");
    [Event] void BeforeTrain() => trace.Add("before_train");
    [Event] void BeforeValidate() => trace.Add("before_validate");
    [Event] void AfterFit() => trace.Add("after_fit");
}

/// <summary>Writes training batches and the end-of-fit events into a trace, before StopAfterBatches handles after_batch.</summary>
[RunBefore(typeof(StopAfterBatches))]
internal sealed partial class BatchTrace(List<string> trace) : Callback
{
    [Event]
    void AfterBatch(Learner learn)
    {
        if (learn.Training) trace.Add("train_batch");
    }

    [Event] void AfterEpoch() => trace.Add("after_epoch");
    [Event] void AfterCancelFit() => trace.Add("after_cancel_fit");
    [Event] void AfterFit() => trace.Add("after_fit");
}

/// <summary>Reads, after RnnRegularizer, the plain and regularized losses and the model's outputs.</summary>
[RunAfter(typeof(RnnRegularizer))]
internal sealed partial class RegularizerProbe : Callback
{
    public sealed record Seen(double PlainLoss, double RegularizedLoss, float[] Raw, float[] Dropped, (int B, int T, int F) Shape);

    public Seen? FirstTraining { get; private set; }
    public List<Seen> Validation { get; } = [];

    [Event]
    void AfterLoss(Learner learn)
    {
        if (learn.Training && FirstTraining is not null) return;
        var model = (IRnnOutputs)learn.Model;
        var raw = model.RawOutput!;
        var seen = new Seen(learn.Loss!.item<float>(), learn.LossGrad!.item<float>(), Values(raw), Values(model.DroppedOutput!), ((int)raw.shape[0], (int)raw.shape[1], (int)raw.shape[2]));
        if (learn.Training) FirstTraining = seen;
        else Validation.Add(seen);
    }

    private static float[] Values(Tensor t) => t.detach().contiguous().data<float>().ToArray();
}
