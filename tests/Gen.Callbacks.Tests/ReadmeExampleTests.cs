using System;
using System.IO;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

// The README's example, kept compiling and working.
[RunAfter(typeof(Recorder))]
public sealed partial class StopAtLoss(double target) : Callback
{
    [Event] void AfterEpoch(Learner learn)
    {
        if (learn.Get<Recorder>()!.Values[^1].ValidLoss < target) learn.Cancel(Stage.Fit);  // or throw new CancelFitException()
    }
}

public class ReadmeExampleTests
{
    [Fact]
    public void The_readme_example_trains_and_stops_at_the_target_loss()
    {
        manual_seed(0);
        var x = randn(1024, 1); var y = 2 * x + 3;
        var dls = DataLoaders.FromTensors(x, y, x, y, batchSize: 64);
        var output = new StringWriter();
        using var learn = new Learner(nn.Linear(1, 1), dls, (p, t) => nn.functional.mse_loss(p, t), lr: 0.1,
                                      cbs: [new Progress(output), new StopAtLoss(1e-3)]);
        learn.Fit(20);
        var values = learn.Get<Recorder>()!.Values;
        Assert.InRange(values.Count, 2, 19);          // stopped early...
        Assert.True(values[^1].ValidLoss < 1e-3);     // ...because the target was reached
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("epoch     train_loss  valid_loss  time", lines[0]);
        // The Recorder logs the row before StopAtLoss cancels: the stopping epoch is printed too, as in fastai.
        Assert.Equal(values.Count + 1, lines.Length);
        Assert.StartsWith($"{values[^1].Epoch} ", lines[^1]);
    }
}
