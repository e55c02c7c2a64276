using System;
using System.IO;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

public class StandardCallbackTests
{
    /// <summary>y = 2x + 3 on <paramref name="trainBatches"/> batches of 4, a linear model, MSE, SGD.</summary>
    private static Learner Regression(Func<Tensor, Tensor, Tensor>? loss = null, int trainBatches = 4, params Callback[] cbs)
    {
        manual_seed(0);
        var x = linspace(-1, 1, trainBatches * 4).unsqueeze(1);
        var y = 2 * x + 3;
        var dls = new DataLoaders(new DataLoader(x, y, 4, shuffle: true, seed: 1), new DataLoader(x, y, 8));
        return new Learner(nn.Linear(1, 1), dls, loss ?? ((p, t) => nn.functional.mse_loss(p, t)), TorchOptimizer.Sgd(), lr: 0.1, cbs: cbs);
    }

    [Fact]
    public void Recorder_smooth_loss_is_fastais_debiased_moving_average()
    {
        var recorder = new Recorder();
        using var learn = Regression(cbs: [recorder]);
        learn.Fit(2);
        // Hand computation from the raw batch losses: avg = 0.98 avg + 0.02 loss; smooth = avg / (1 - 0.98^n), after every batch.
        double avg = 0;
        Assert.Equal(8, recorder.BatchLosses.Count);
        for (int n = 1; n <= recorder.BatchLosses.Count; n++)
        {
            avg = 0.98 * avg + 0.02 * recorder.BatchLosses[n - 1];
            Assert.Equal(avg / (1 - Math.Pow(0.98, n)), recorder.Losses[n - 1], 12);
        }
        Assert.Equal(avg / (1 - Math.Pow(0.98, 8)), learn.SmoothLoss, 12);
        Assert.All(recorder.Lrs, lr => Assert.Equal(0.1, lr));
        Assert.Equal(Enumerable.Repeat(0.0, 8), recorder.Moms);   // TorchSharp's SGD's momentum is fastai's mom
        Assert.Equal([4, 8], recorder.Iters);
        Assert.Equal(learn.SmoothLoss, recorder.Values[^1].TrainLoss, 12);
        Assert.Equal([0, 1], recorder.Values.Select(v => v.Epoch));
    }

    [Fact]
    public void Recorder_valid_loss_is_the_mean_over_samples()
    {
        var recorder = new Recorder();
        using var learn = Regression(cbs: [recorder]);
        learn.Fit(1);
        using var _ = no_grad();
        var all = learn.Dls.Valid;
        double total = Enumerable.Range(0, all.Count).Sum(i =>
        {
            var (x, y) = all.Batch(i);
            return nn.functional.mse_loss(((nn.Module<Tensor, Tensor>)learn.Model).forward(x), y).item<float>() * x.shape[0];
        });
        Assert.Equal(total / all.Length, recorder.Values[0].ValidLoss, 5);
    }

    [Fact]
    public void Progress_writes_fastais_epoch_table_one_line_per_epoch()
    {
        var output = new StringWriter();
        using var learn = Regression(cbs: new Progress(output));
        learn.Fit(3);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Equal(["epoch", "train_loss", "valid_loss", "time"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var recorder = learn.Get<Recorder>()!;
        for (int e = 0; e < 3; e++)
        {
            var cells = lines[e + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(e.ToString(), cells[0]);
            Assert.Equal(recorder.Values[e].TrainLoss.ToString("F6"), cells[1]);
            Assert.Equal(recorder.Values[e].ValidLoss.ToString("F6"), cells[2]);
            Assert.Matches(@"^\d\d:\d\d$", cells[3]);
        }
    }

    [Fact]
    public void TerminateOnNaN_stops_the_fit_at_the_first_non_finite_loss()
    {
        int batches = 0;
        Tensor Loss(Tensor p, Tensor t) => ++batches == 3 ? (p.sum() * double.NaN) : nn.functional.mse_loss(p, t);
        var terminate = new TerminateOnNaN();
        var recorder = new Recorder();
        using var learn = Regression(Loss, trainBatches: 4, terminate, recorder);
        learn.Fit(5);
        Assert.True(terminate.Terminated);
        Assert.Equal(3, batches);
        Assert.Equal(2, recorder.Losses.Count);   // TerminateOnNaN runs before the Recorder: the NaN batch is not recorded
        Assert.Empty(recorder.Values);
    }
}
