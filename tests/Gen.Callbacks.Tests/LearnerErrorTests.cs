using System;
using System.IO;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>Where users go wrong, each error names the problem and the fix, and nothing has changed.</summary>
public class LearnerErrorTests
{
    private static Learner Make(nn.Module? model = null, Func<Tensor, Tensor, Tensor>? loss = null, Tensor? y = null, Tensor? x = null, params Callback[] cbs)
    {
        manual_seed(1);
        x ??= randn(16, 12);
        y ??= randint(0, 3, [16]);
        var dls = DataLoaders.FromTensors(x, y, x, y, batchSize: 8);
        model ??= nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 3));
        return new Learner(model, dls, loss ?? ((p, t) => nn.functional.cross_entropy(p, t)), cbs: [Progress.Quiet(), .. cbs]);
    }

    [Fact]
    public void A_batch_that_does_not_fit_names_the_batch_the_shapes_and_the_layer()
    {
        using var learn = Make(model: nn.Sequential(nn.Linear(12, 8), nn.ReLU(), nn.Linear(6, 3)));
        var error = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains("Batch 0 of the training loader does not fit the model: inputs of shape [8, 12]", error.Message);
        Assert.Contains("at layer '2' (Linear), which got [8, 8]", error.Message);
    }

    [Fact]
    public void A_batch_that_does_not_fit_a_conv_model_gets_the_same_error_with_the_channels_last_default()
    {
        // The default ChannelsLast checks the first batch first; a batch that fits neither layout is the loop's error to report.
        using var learn = Make(x: randn(16, 1, 8, 8), model: nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(144, 3)));
        var error = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains("Batch 0 of the training loader does not fit the model: inputs of shape [8, 1, 8, 8]", error.Message);
        Assert.StartsWith("the first batch failed contiguous too", learn.Get<ChannelsLast>()!.Declined);
    }

    [Fact]
    public void A_loss_that_is_not_a_scalar_says_to_reduce_it()
    {
        using var learn = Make(loss: (p, t) => nn.functional.cross_entropy(p, t, reduction: nn.Reduction.None));
        var error = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains("returned a tensor of shape [8] for batch 0 of the training loader", error.Message);
        Assert.Contains(".mean()", error.Message);
    }

    [Fact]
    public void Targets_of_the_wrong_dtype_for_the_loss_say_which_dtype_it_needs()
    {
        using var learn = Make(y: randint(0, 3, [16]).to(float32));
        var error = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains("predictions [8, 3] Float32, targets [8] Float32", error.Message);
        Assert.Contains("targets.to(int64)", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void A_fit_of_no_epochs_is_refused(int epochs)
    {
        using var learn = Make();
        Assert.Contains("at least one epoch", Assert.Throws<ArgumentOutOfRangeException>(() => learn.Fit(epochs)).Message);
        Assert.Null(learn.Opt);   // refused before anything was made
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-1e-3)]
    public void An_lr_or_wd_that_is_not_a_finite_non_negative_number_is_refused(double value)
    {
        using var learn = Make();
        Assert.Contains("lr must be a finite number of at least 0", Assert.Throws<ArgumentOutOfRangeException>(() => learn.Fit(1, lr: value)).Message);
        Assert.Contains("wd must be a finite number of at least 0", Assert.Throws<ArgumentOutOfRangeException>(() => learn.Fit(1, wd: value)).Message);
        Assert.Contains("lr must be", Assert.Throws<ArgumentOutOfRangeException>(() => learn.FitOneCycle(1, value)).Message);
        Assert.Contains("lr must be", Assert.Throws<ArgumentOutOfRangeException>(() => learn.FitOneCycle(1, Lr.Slice(value))).Message);
    }

    [Fact]
    public void The_same_callback_instance_twice_is_refused()
    {
        var stop = new TerminateOnNaN();
        Assert.Contains("already among the Learner's callbacks", Assert.Throws<ArgumentException>(() => Make(cbs: [stop, stop])).Message);
        using var learn = Make(cbs: stop);
        Assert.Contains("TerminateOnNaN instance is already among", Assert.Throws<ArgumentException>(() => learn.Fit(1, cbs: [stop])).Message);
        learn.Fit(1, cbs: [new TerminateOnNaN()]);   // another instance is fine
    }

    [Fact]
    public void A_learner_used_after_dispose_says_so()
    {
        var learn = Make();
        learn.Dispose();
        Assert.Throws<ObjectDisposedException>(() => learn.Fit(1));
        Assert.Throws<ObjectDisposedException>(() => learn.Validate());
        Assert.Throws<ObjectDisposedException>(() => learn.Save(Path.Combine(Path.GetTempPath(), "never-written.ckpt")));
    }

    [Fact]
    public void The_model_moves_to_the_learners_device_and_batches_arrive_there()
    {
        using var learn = Make(cbs: new ToDevice());
        Assert.Equal(Learner.DefaultDevice().type, learn.Device.type);
        Assert.All(learn.Model.parameters(), p => Assert.Equal(learn.Device.type, p.device_type));
        learn.Fit(1);
        Assert.True(learn.Get<Recorder>()!.Values.Count == 1);
    }
}
