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

    private static Learner Fit(nn.Module model, OptimizerFactory optFunc, params Callback[] cbs)
    {
        var learn = new Learner(model, Images(), (p, t) => nn.functional.mse_loss(p, t), optFunc, lr: 0.01, cbs: [Progress.Quiet(), .. cbs]);
        learn.Fit(2);
        return learn;
    }

    private static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    [RunAfter(typeof(ChannelsLast))]
    private sealed partial class LayoutSpy(Conv2d first, Conv2d second) : Callback
    {
        public List<long[]> WeightStrides { get; } = [];
        public List<long[]> InputStrides { get; } = [];
        [Event] void BeforeBatch(Learner learn)
        {
            WeightStrides.Add(first.weight!.stride());
            WeightStrides.Add(second.weight!.stride());
            InputStrides.Add(learn.Xb!.stride());
        }
    }

    [Fact]
    public void Conv_weights_and_inputs_are_channels_last_and_the_fit_matches_the_contiguous_one()
    {
        var (model, first, second) = Cnn();
        var spy = new LayoutSpy(first, second);
        var channelsLast = new ChannelsLast();
        var initial = Values(first.weight!);
        using var learn = Fit(model, TorchOptimizer.Sgd(), channelsLast, spy);
        // NHWC strides of (N, C, H, W): (H*W*C, 1, W*C, C); contiguous would be (C*H*W, H*W, W, 1).
        Assert.Equal([18, 1, 6, 2], spy.WeightStrides[0]);     // first conv weight [8, 2, 3, 3] (contiguous: 18, 9, 3, 1)
        Assert.Equal([72, 1, 24, 8], spy.WeightStrides[1]);    // second [16, 8, 3, 3] (contiguous: 72, 9, 3, 1)
        Assert.All(spy.InputStrides, s => Assert.Equal([128, 1, 16, 2], s));   // inputs [4, 2, 8, 8] (contiguous: 128, 64, 8, 1)
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
    public void Weights_in_a_gen_optimizers_flat_buffer_are_left_attached_and_still_train()
    {
        // After a first fit a Gen optimizer holds every parameter as a view of one flat buffer: converting them would cut them loose.
        var (model, _, _) = Cnn();
        using var learn = Fit(model, Optimizers.Sgd());
        var channelsLast = new ChannelsLast();
        learn.Fit(2, cbs: [channelsLast]);
        Assert.Equal(2, channelsLast.SharedLeftAsIs);
        Assert.Equal(0, channelsLast.Converted);

        var (plain, _, _) = Cnn();
        using var reference = Fit(plain, Optimizers.Sgd());
        reference.Fit(2);
        foreach (var (p, q) in model.parameters().Zip(plain.parameters()))
            Assert.True(Values(p).Zip(Values(q)).All(v => Math.Abs(v.First - v.Second) <= 1e-5), "the second fit with ChannelsLast differs from the contiguous one");
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
