using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>ChannelsLast on a small CNN: the layout it sets, and a fit that matches the contiguous one.</summary>
public partial class ChannelsLastTrainingControlTests
{
    private static DataLoaders Images()
    {
        var generator = new Generator(11);
        var x = randn(16, 2, 8, 8, generator: generator);
        var y = randn(16, 2, generator: generator);
        return new DataLoaders(new DataLoader(x, y, 4, shuffle: true, seed: 5), new DataLoader(x, y, 8));
    }

    // The first blocks of the book's simple CNN (stride-2 convolutions, 8 -> 16 channels; two input channels, since with one NCHW and NHWC strides coincide). A 3 -> 4 -> 4 variant
    // gave NaN weight gradients in the first convolution after a few contiguous steps even in a plain TorchSharp loop
    // here (libtorch's CPU convolution backward), which is why these shapes are used.
    private static (Sequential Model, Conv2d First, Conv2d Second) Cnn()
    {
        manual_seed(3);
        var (first, second) = (nn.Conv2d(2, 8, 3, stride: 2, padding: 1), nn.Conv2d(8, 16, 3, stride: 2, padding: 1));
        return (nn.Sequential(first, nn.ReLU(), second, nn.ReLU(), nn.Flatten(), nn.Linear(64, 2)), first, second);
    }

    // Without Gen's default ChannelsLast (removed as its docs say) unless cbs bring one: these fits compare layouts.
    private static Learner Fit(nn.Module model, OptimizerFactory optFunc, params Callback[] cbs)
    {
        var learn = new Learner(model, Images(), (p, t) => nn.functional.mse_loss(p, t), optFunc, lr: 0.01, cbs: [Progress.Quiet(), .. cbs]);
        if (learn.Get<ChannelsLast>() is { Automatic: true } automatic) learn.Remove(automatic);
        learn.Fit(2);
        return learn;
    }

    private static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    [RunAfter(typeof(ChannelsLast))]
    private sealed partial class LayoutSpy(Conv2d first, Conv2d second) : Callback
    {
        public List<long[]> WeightStrides { get; } = [];
        [Event] void AfterPred(Learner learn)   // after the automatic one's check of the first batch
        {
            WeightStrides.Add(first.weight!.stride());
            WeightStrides.Add(second.weight!.stride());
        }
    }

    [Fact]
    public void Conv_weights_are_channels_last_and_the_fit_matches_the_contiguous_one()
    {
        var (model, first, second) = Cnn();
        var spy = new LayoutSpy(first, second);
        var channelsLast = new ChannelsLast();
        var initial = Values(first.weight!);
        using var learn = Fit(model, TorchOptimizer.Sgd(), channelsLast, spy);
        // NHWC strides of (N, C, H, W): (H*W*C, 1, W*C, C); contiguous would be (C*H*W, H*W, W, 1).
        Assert.Equal([18, 1, 6, 2], spy.WeightStrides[0]);     // first conv weight [8, 2, 3, 3] (contiguous: 18, 9, 3, 1)
        Assert.Equal([72, 1, 24, 8], spy.WeightStrides[1]);    // second [16, 8, 3, 3] (contiguous: 72, 9, 3, 1)
        Assert.Equal([72, 1, 24, 8], spy.WeightStrides[^1]);   // still at the last batch
        Assert.Equal(2, channelsLast.Converted);
        Assert.Equal([72, 9, 3, 1], second.weight!.stride());   // laid back out contiguously at after_fit
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"gen-cl-{Guid.NewGuid():N}.bin");
        try { model.save(path); }   // TorchSharp's save refuses non-contiguous tensors
        finally { System.IO.File.Delete(path); }
        Assert.True(Values(first.weight!).Zip(initial).Any(v => Math.Abs(v.First - v.Second) > 1e-3), "the converted weights did not train");

        var (plain, _, _) = Cnn();
        using var reference = Fit(plain, TorchOptimizer.Sgd());
        foreach (var (p, q) in model.parameters().Zip(plain.parameters()))
            Assert.True(Values(p).Zip(Values(q)).All(v => Math.Abs(v.First - v.Second) <= 1e-5), $"channels-last fit differs from the contiguous one by {Values(p).Zip(Values(q)).Max(v => Math.Abs(v.First - v.Second))}: {string.Join(",", Values(p).Take(4))} vs {string.Join(",", Values(q).Take(4))}");
        Assert.Equal([18, 9, 3, 1], plain.parameters().First().stride());
    }

    [RunAfter(typeof(ChannelsLast))]
    private sealed partial class CheckpointEachEpoch(string path) : Callback
    {
        [Event] void AfterEpoch(Learner learn) => learn.Save(path);
    }

    [Fact]
    public void A_checkpoint_taken_with_channels_last_weights_loads_into_a_contiguous_model()
    {
        // Mid-fit the weights are channels-last (TorchSharp's SGD keeps them so): the checkpoint writes them in order.
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"gen-cl-{Guid.NewGuid():N}.gen");
        try
        {
            var (model, _, _) = Cnn();
            using var learn = Fit(model, TorchOptimizer.Sgd(), new ChannelsLast(), new CheckpointEachEpoch(path));
            var (other, _, _) = Cnn();
            using var fresh = new Learner(other, Images(), (p, t) => nn.functional.mse_loss(p, t), TorchOptimizer.Sgd(), cbs: [Progress.Quiet()]);
            fresh.Load(path, withOpt: false, resume: false);
            foreach (var (p, q) in model.parameters().Zip(other.parameters())) Assert.Equal(Values(p), Values(q));
        }
        finally { System.IO.File.Delete(path); }
    }

    [Fact]
    public void A_gen_optimizers_flat_weights_train_channels_last_in_a_second_fit_and_stay_attached()
    {
        // After a first fit a Gen optimizer holds every parameter and its Adam state as views of flat buffers: the
        // second fit lays them out channels-last there, and the step must still reach the model's weights.
        var (model, first, second) = Cnn();
        using var learn = Fit(model, Optimizers.Adam());
        var channelsLast = new ChannelsLast();
        var spy = new LayoutSpy(first, second);
        learn.Fit(2, cbs: [channelsLast, spy]);
        Assert.Equal(2, channelsLast.Converted);
        Assert.All(spy.WeightStrides.Where((_, k) => k % 2 == 1), s => Assert.Equal([72, 1, 24, 8], s));
        Assert.Equal([72, 9, 3, 1], second.weight!.stride());

        var (plain, _, _) = Cnn();
        using var reference = Fit(plain, Optimizers.Adam());
        reference.Fit(2);
        foreach (var (p, q) in model.parameters().Zip(plain.parameters()))
            Assert.True(Values(p).Zip(Values(q)).All(v => Math.Abs(v.First - v.Second) <= 1e-4),
                $"the second fit with ChannelsLast differs from the contiguous one by {Values(p).Zip(Values(q)).Max(v => Math.Abs(v.First - v.Second))}");
        var third = Values(second.weight!);
        learn.Fit(1);   // contiguous again: the optimizer still steps the model's own tensors
        Assert.True(Values(second.weight!).Zip(third).Any(v => v.First != v.Second), "the weights did not train after the channels-last fit");
    }

    [Fact]
    public void A_fused_step_on_channels_last_weights_equals_the_contiguous_step_element_for_element()
    {
        // The flat buffers hold the weight, its gradient and Adam's two states in the weight's NHWC order; the kernel
        // steps memory in order, so each element must meet its own gradient and state.
        // A weight of one input channel counts as contiguous either way: only its exact strides say channels_last.
        manual_seed(5);
        var weight = randn(4, 3, 2, 2);
        var single = randn(4, 1, 2, 2);
        var bias = randn(4);
        var grads = Enumerable.Range(0, 3).Select(_ => (randn(4, 3, 2, 2), randn(4, 1, 2, 2), randn(4))).ToList();
        Tensor Laid(Tensor t, bool channelsLast) => channelsLast ? ChannelsLast.ToChannelsLast(t) : t.clone();
        Tensor[] Train(bool channelsLast)
        {
            var (w, s, b) = (new Parameter(Laid(weight, channelsLast)), new Parameter(Laid(single, channelsLast)), new Parameter(bias.clone()));
            using var opt = Optimizers.Adam()([w, s, b], 0.01, null);
            foreach (var (gw, gs, gb) in grads)
            {
                (w.grad, s.grad, b.grad) = (Laid(gw, channelsLast), Laid(gs, channelsLast), gb.clone());
                opt.Step();
                Assert.Equal(channelsLast ? [12, 1, 6, 3] : [12, 4, 2, 1], w.stride());
                Assert.Equal(channelsLast ? [4, 1, 2, 1] : [4, 4, 2, 1], s.stride());
            }
            return [w, s, b];
        }
        foreach (var (cl, contiguous) in Train(channelsLast: true).Zip(Train(channelsLast: false)))
            Assert.Equal(Values(contiguous), Values(cl));
    }

    private sealed class ViewFlatten() : nn.Module<Tensor, Tensor>("view_flatten")
    {
        public override Tensor forward(Tensor x) => x.view(x.shape[0], -1);   // needs contiguous memory, as many hand-written models do
    }

    [Fact]
    public void By_default_a_cpu_conv_model_trains_channels_last_and_leaves_the_fit_contiguous()
    {
        var (model, first, second) = Cnn();
        var spy = new LayoutSpy(first, second);
        using var learn = new Learner(model, Images(), (p, t) => nn.functional.mse_loss(p, t), Optimizers.Adam(), lr: 0.01, cbs: [Progress.Quiet(), spy]);
        learn.Fit(2);
        var automatic = learn.Get<ChannelsLast>()!;
        Assert.True(automatic.Automatic);
        Assert.Null(automatic.Declined);
        Assert.Equal(2, automatic.Converted);
        Assert.All(spy.WeightStrides.Where((_, k) => k % 2 == 1), s => Assert.Equal([72, 1, 24, 8], s));
        Assert.Equal([72, 9, 3, 1], second.weight!.stride());

        using var explicitOne = new Learner(Cnn().Model, Images(), (p, t) => nn.functional.mse_loss(p, t), cbs: [new ChannelsLast()]);
        Assert.False(Assert.Single(explicitOne.Cbs.OfType<ChannelsLast>()).Automatic);   // a ChannelsLast passed in replaces the default
    }

    [Fact]
    public void A_model_that_fails_channels_last_trains_contiguous_exactly_as_without_the_default()
    {
        (nn.Module Model, Conv2d Conv) ViewCnn()
        {
            manual_seed(3);
            var conv = nn.Conv2d(2, 8, 3, stride: 2, padding: 1);
            return (nn.Sequential(conv, nn.ReLU(), new ViewFlatten(), nn.Linear(128, 2)), conv);
        }
        var (model, conv) = ViewCnn();
        var spy = new LayoutSpy(conv, conv);
        using var learn = new Learner(model, Images(), (p, t) => nn.functional.mse_loss(p, t), Optimizers.Adam(), lr: 0.01, cbs: [Progress.Quiet(), spy]);
        learn.Fit(2);
        var automatic = learn.Get<ChannelsLast>()!;
        Assert.Contains("view", automatic.Declined);
        Assert.All(spy.WeightStrides, s => Assert.Equal([18, 9, 3, 1], s));
        learn.Fit(1);
        Assert.Contains("view", automatic.Declined);   // not tried again
        Assert.Equal(0, automatic.Converted);

        var (plain, _) = ViewCnn();
        using var reference = new Learner(plain, Images(), (p, t) => nn.functional.mse_loss(p, t), Optimizers.Adam(), lr: 0.01, cbs: [Progress.Quiet()], defaultCbs: false);
        reference.Fit(2);
        reference.Fit(1);
        foreach (var (p, q) in model.parameters().Zip(plain.parameters())) Assert.Equal(Values(q), Values(p));
    }

    private sealed partial class ThrowOnce : Callback
    {
        public bool Thrown { get; private set; }
        [Event] void AfterBatch()
        {
            if (Thrown) return;
            Thrown = true;
            throw new InvalidOperationException("boom");
        }
    }

    [Fact]
    public void Weights_left_channels_last_by_a_fit_that_threw_are_handed_back_by_the_next_one()
    {
        var (model, _, second) = Cnn();
        using var learn = new Learner(model, Images(), (p, t) => nn.functional.mse_loss(p, t), Optimizers.Adam(), lr: 0.01, cbs: [Progress.Quiet()]);
        var throwOnce = new ThrowOnce();
        Assert.Throws<InvalidOperationException>(() => learn.Fit(1, cbs: [throwOnce]));
        Assert.True(ChannelsLast.IsChannelsLast(second.weight!) && !second.weight!.is_contiguous());   // no after_fit, as in fastai
        learn.Fit(1);
        Assert.Equal([72, 9, 3, 1], second.weight!.stride());
    }

    // A root module of its own (not a Sequential) that records the mode its forward runs in.
    private sealed class ModeRecordingNet : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _body;
        public List<bool> TrainingSeen { get; } = [];
        public ModeRecordingNet(nn.Module<Tensor, Tensor> body) : base("mode_recording_net") { _body = body; RegisterComponents(); }
        public override Tensor forward(Tensor x)
        {
            TrainingSeen.Add(training);
            return _body.call(x);
        }
    }

    [Fact]
    public void The_first_batch_check_leaves_every_module_in_its_mode()
    {
        var net = new ModeRecordingNet(Cnn().Model);
        using var learn = new Learner(net, Images(), (p, t) => nn.functional.mse_loss(p, t), cbs: [Progress.Quiet()]);
        learn.Fit(1);
        Assert.Null(learn.Get<ChannelsLast>()!.Declined);
        // The check's own forward (eval) comes first; then the four training batches, then the validation batches.
        Assert.Equal([false, true, true, true, true, false, false], net.TrainingSeen);
    }

    [Order(0)]
    private sealed partial class RowsToImages : Callback
    {
        [Event] void BeforeBatch(Learner learn) => learn.Xbs = [learn.Xb!.view(-1, 2, 8, 8)];   // the course's batch-transform callback
    }

    [Fact]
    public void A_batch_that_later_callbacks_make_the_models_leaves_the_fit_contiguous_without_blaming_the_model()
    {
        var generator = new Generator(11);
        var (x, y) = (randn(16, 128, generator: generator), randn(16, 2, generator: generator));
        var rows = new DataLoaders(new DataLoader(x, y, 4, shuffle: true, seed: 5), new DataLoader(x, y, 8));
        using var learn = new Learner(Cnn().Model, rows, (p, t) => nn.functional.mse_loss(p, t), cbs: [Progress.Quiet(), new RowsToImages()]);
        learn.Fit(1);
        var automatic = learn.Get<ChannelsLast>()!;
        Assert.StartsWith("the first batch failed contiguous too", automatic.Declined);
        learn.Fit(1);
        Assert.StartsWith("the first batch failed contiguous too", automatic.Declined);   // checked again: nothing was learnt about the model
        Assert.Equal(0, automatic.Converted);
    }

    [Fact]
    public void A_channels_last_given_to_a_fit_decides_and_the_default_stands_aside()
    {
        var (model, _, second) = Cnn();
        using var learn = new Learner(model, Images(), (p, t) => nn.functional.mse_loss(p, t), cbs: [Progress.Quiet()]);
        var given = new ChannelsLast();
        learn.Fit(1, cbs: [given]);
        Assert.Equal(2, given.Converted);
        Assert.Equal("a ChannelsLast passed in decides", learn.Get<ChannelsLast>()!.Declined);
        Assert.Equal([72, 9, 3, 1], second.weight!.stride());
        using var grad = second.weight!.grad!;
        Assert.Equal([72, 9, 3, 1], grad.stride());   // the gradient is handed back contiguous too
    }

    [Fact]
    public void Channels_last_with_mixed_precision_on_the_cpu_trains_and_hands_back_a_contiguous_float32_model()
    {
        // MixedPrecision gives the model new (bfloat16) tensors during the fit; ChannelsLast finds them by name.
        Sequential Train(params Callback[] cbs)
        {
            var (model, _, _) = Cnn();
            using var learn = new Learner(model, Images(), (p, t) => nn.functional.mse_loss(p, t), Optimizers.Adam(), lr: 0.01, cbs: [Progress.Quiet(), new MixedPrecision(), .. cbs]);
            learn.Fit(2);
            return model;
        }
        var channelsLast = Train(new ChannelsLast());
        var contiguous = Train();
        foreach (var (p, q) in channelsLast.parameters().Zip(contiguous.parameters()))
        {
            Assert.Equal(ScalarType.Float32, p.dtype);
            Assert.True(p.is_contiguous());
            Assert.True(Values(p).Zip(Values(q)).All(v => Math.Abs(v.First - v.Second) <= 2e-2), $"channels-last mixed precision differs by {Values(p).Zip(Values(q)).Max(v => Math.Abs(v.First - v.Second))}");
        }
    }

    private sealed class GramMatrix() : nn.Module<Tensor, Tensor>("gram")
    {
        public override Tensor forward(Tensor x) => x.view(x.shape[0] * x.shape[1], -1);   // merges the batch dimension: one sample would pass channels-last
    }

    [Fact]
    public void A_view_across_the_batch_dimension_is_caught_by_the_check()
    {
        manual_seed(3);
        var model = nn.Sequential(nn.Conv2d(2, 8, 3, stride: 2, padding: 1), new GramMatrix(), nn.Linear(16, 2));
        var generator = new Generator(11);
        var (x, y) = (randn(16, 2, 8, 8, generator: generator), randn(128, 2, generator: generator));
        var images = new DataLoaders(new DataLoader([x], [y.view(16, 8, 2)], 4), new DataLoader([x], [y.view(16, 8, 2)], 8));
        using var learn = new Learner(model, images, (p, t) => nn.functional.mse_loss(p, t.reshape(-1, 2)), cbs: [Progress.Quiet()]);
        learn.Fit(1);
        Assert.StartsWith("the model fails on channels-last weights", learn.Get<ChannelsLast>()!.Declined);
    }

    [Fact]
    public void MixUp_keeps_channels_last_in_every_fit()
    {
        // MixUp's loss reads the state of its last batch: the check does not call the loss for a 2-D prediction.
        var generator = new Generator(11);
        var (x, y) = (randn(16, 2, 8, 8, generator: generator), randint(0, 2, [16], generator: generator));
        var classes = new DataLoaders(new DataLoader(x, y, 4, shuffle: true, seed: 5), new DataLoader(x, y, 8));
        using var learn = new Learner(Cnn().Model, classes, (p, t) => nn.functional.cross_entropy(p, t), cbs: [Progress.Quiet(), new MixUp()]);
        learn.Fit(1);
        learn.Fit(1);
        var automatic = learn.Get<ChannelsLast>()!;
        Assert.Null(automatic.Declined);
        Assert.Equal(2, automatic.Converted);
    }

    [Fact]
    public void The_default_leaves_models_without_convolutions_and_mixed_precision_fits_alone()
    {
        manual_seed(3);
        using var learn = new Learner(nn.Sequential(nn.Flatten(), nn.Linear(128, 2)), Images(), (p, t) => nn.functional.mse_loss(p, t), cbs: [Progress.Quiet()]);
        learn.Fit(1);
        var automatic = learn.Get<ChannelsLast>()!;
        Assert.Equal("the model has no Conv2d", automatic.Declined);
        Assert.Equal(0, automatic.Converted);

        using var mixed = new Learner(Cnn().Model, Images(), (p, t) => nn.functional.mse_loss(p, t), cbs: [Progress.Quiet(), new MixedPrecision()]);
        mixed.Fit(1);
        Assert.StartsWith("mixed precision is on", mixed.Get<ChannelsLast>()!.Declined);
    }

    [Fact]
    public void IsChannelsLast_reads_the_strides_and_ToChannelsLast_keeps_the_values()
    {
        var x = arange(2 * 3 * 4 * 5, dtype: float32).reshape(2, 3, 4, 5);
        Assert.False(ChannelsLast.IsChannelsLast(x));
        var nhwc = ChannelsLast.ToChannelsLast(x);
        Assert.True(ChannelsLast.IsChannelsLast(nhwc));
        Assert.Equal([60, 1, 15, 3], nhwc.stride());
        Assert.True(nhwc.eq(x).all().item<bool>());
        Assert.Throws<ArgumentException>(() => ChannelsLast.ToChannelsLast(zeros(2, 3)));
        Assert.Equal(-1, new ChannelsLast().Order);
    }
}
