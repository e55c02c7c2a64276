using System;
using System.Collections.Generic;
using System.Linq;
using CourseLearner;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>The 2022 course's Learner variants (samples/CourseLearner): steps replaced by a callback or a derived Learner; several inputs and outputs.</summary>
public partial class CourseLearnerTests
{
    private static Tensor Mse(Tensor p, Tensor t) => nn.functional.mse_loss(p, t);

    private static DataLoaders Linear(long seed)
    {
        var generator = new Generator((ulong)seed);
        var x = randn(256, 4, generator: generator);
        var y = x.matmul(tensor(new float[] { 1, -2, 3, 0.5f }).unsqueeze(1)) + 1;
        return DataLoaders.FromTensors(x, y, x, y, batchSize: 32, seed: seed);
    }

    private static nn.Module<Tensor, Tensor> Model(long seed)
    {
        var model = nn.Linear(4, 1);
        var generator = new Generator((ulong)seed);
        using (no_grad()) foreach (var p in model.parameters()) p.copy_(randn(p.shape, generator: generator) * 0.1);
        return model;
    }

    private static float[] Weights(Learner learn) => learn.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [Fact]
    public void TrainCB_provides_the_five_steps_and_trains_exactly_as_the_default_loop()
    {
        using var plain = new Learner(Model(1), Linear(2), Mse, optFunc: Optimizers.Sgd(), lr: 0.05, cbs: [Progress.Quiet()]);
        using var replaced = new Learner(Model(1), Linear(2), Mse, optFunc: Optimizers.Sgd(), lr: 0.05, cbs: [Progress.Quiet(), new TrainCB()]);
        plain.Fit(2);
        replaced.Fit(2);
        Assert.Equal(Weights(plain), Weights(replaced));
        Assert.Equal(plain.Get<Recorder>()!.BatchLosses, replaced.Get<Recorder>()!.BatchLosses);
    }

    [Fact]
    public void MomentumLearner_follows_fastais_sgd_with_undamped_momentum()
    {
        // Multiplying the gradients by mom instead of zeroing them is average_grad (undamped) + momentum_step.
        using var momentum = new MomentumLearner(Model(3), Linear(4), Mse, lr: 0.01, mom: 0.85, cbs: [Progress.Quiet()]);
        using var fastai = new Learner(Model(3), Linear(4), Mse, optFunc: Optimizers.Sgd(mom: 0.85), lr: 0.01, cbs: [Progress.Quiet()]);
        momentum.Fit(3);
        fastai.Fit(3);
        var (a, b) = (Weights(momentum), Weights(fastai));
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i], a[i], 1e-5f * Math.Max(1, Math.Abs(b[i])));
        var values = momentum.Get<Recorder>()!.Values;
        Assert.True(values[^1].ValidLoss < values[0].ValidLoss / 2, $"valid loss {values[0].ValidLoss} -> {values[^1].ValidLoss}");
    }

    [Fact]
    public void A_model_with_two_inputs_gets_both_from_the_default_predict()
    {
        using var dls = TwoInputData.Make(samples: 1024, features: 3, categories: 5, batchSize: 64, seed: 1);
        var seen = new BatchShapes();
        manual_seed(2);   // the net's initial weights
        using var learn = new Learner(new TwoInputNet(3, 5), dls, Mse, lr: 1e-2, cbs: [Progress.Quiet(), seen]);
        learn.FitOneCycle(3);
        Assert.Equal([2], seen.InputCounts.Distinct());
        var values = learn.Get<Recorder>()!.Values;
        Assert.True(values[^1].ValidLoss < values[0].ValidLoss / 2, $"valid loss {values[0].ValidLoss} -> {values[^1].ValidLoss}");
    }

    [Fact]
    public void A_model_with_two_outputs_trains_on_both_through_a_typed_callback()
    {
        using var dls = TwoInputData.Make(samples: 1024, features: 3, categories: 5, batchSize: 64, seed: 1);
        var aux = new AuxiliaryLoss(weight: 0.5);
        var check = new AuxiliaryCheck();
        manual_seed(2);
        using var learn = new Learner(new TwoInputNet(3, 5), dls, Mse, lr: 1e-2, cbs: [Progress.Quiet(), aux, check]);
        learn.FitOneCycle(2);
        Assert.True(check.Batches > 0);
        var values = learn.Get<Recorder>()!.Values;
        Assert.True(values[^1].ValidLoss < values[0].ValidLoss, $"valid loss {values[0].ValidLoss} -> {values[^1].ValidLoss}");
    }

    [Fact]
    public void A_model_the_default_predict_cannot_call_gets_an_error_that_names_the_fix()
    {
        using var learn = new Learner(new TwoInputNet(3, 5), Linear(5), Mse, cbs: [Progress.Quiet()]);
        var error = Assert.Throws<InvalidOperationException>(() => learn.Fit(1));
        Assert.Contains("Override Predict in a derived Learner, or add a callback that implements IPredict", error.Message);
    }

    /// <summary>Records how many inputs each batch carried.</summary>
    private sealed partial class BatchShapes : Callback
    {
        public List<int> InputCounts { get; } = [];
        [Event] void AfterPred(Learner learn) => InputCounts.Add(learn.Xbs.Length);
    }

    /// <summary>Checks, per training batch, that the recorded loss is the main loss and the one trained on adds the auxiliary one.</summary>
    private sealed partial class AuxiliaryCheck : Callback
    {
        public int Batches { get; private set; }

        [Event]
        void AfterLoss(Learner learn)
        {
            if (!learn.Training) return;
            var aux = learn.Get<AuxiliaryLoss>()!;
            double main = Mse(learn.Pred!, learn.Yb!).item<float>(), auxiliary = Mse(aux.Aux!, learn.Yb!).item<float>();
            Assert.Equal(main, learn.Loss!.item<float>(), 1e-5 * main);
            Assert.Equal(main + aux.Weight * auxiliary, learn.LossGrad!.item<float>(), 1e-5 * (main + auxiliary));
            Batches++;
        }
    }
}
