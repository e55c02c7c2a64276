using System;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>validate, get_preds and predict against the model called directly on the same data in eval mode.</summary>
public class InferenceTests
{
    private static (Learner Learn, Tensor XValid, Tensor YValid) Classifier(Func<Tensor, Tensor, Tensor>? loss = null)
    {
        manual_seed(3);
        var xTrain = randn(64, 6);
        var yTrain = xTrain.narrow(1, 0, 3).argmax(1);
        var xValid = randn(21, 6);   // 21 = 2 batches of 8 and one of 5
        var yValid = xValid.narrow(1, 0, 3).argmax(1);
        var dls = DataLoaders.FromTensors(xTrain, yTrain, xValid, yValid, batchSize: 8, seed: 1);
        var model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 3));
        var learn = new Learner(model, dls, loss ?? Losses.CrossEntropyFlat(), lr: 1e-2, metrics: [Metrics.Accuracy()], cbs: [Progress.Quiet()]);
        learn.Fit(2);
        return (learn, xValid, yValid);
    }

    private static Tensor Direct(Learner learn, Tensor x)
    {
        learn.Model.eval();
        using var noGrad = no_grad();
        return ((nn.Module<Tensor, Tensor>)learn.Model).forward(x);
    }

    [Fact]
    public void Validate_gives_the_loss_and_metrics_over_every_validation_sample()
    {
        var (learn, x, y) = Classifier();
        using (learn)
        {
            var result = learn.Validate();
            var logits = Direct(learn, x);
            double loss = nn.functional.cross_entropy(logits, y).item<float>();
            double accuracy = logits.argmax(1).eq(y).to(float64).mean().item<double>();
            Assert.Equal(2, result.Count);
            Assert.Equal(loss, result[0], 5);
            Assert.Equal(accuracy, result[1], 12);
            Assert.Equal(result[0], learn.Get<Recorder>()!.Values[^1].ValidLoss, 12);   // the fit's last epoch saw the same weights
        }
    }

    [Fact]
    public void GetPreds_applies_the_losss_softmax_and_gives_targets_inputs_decoded_and_per_sample_losses()
    {
        var (learn, x, y) = Classifier();
        using (learn)
        using (var preds = learn.GetPreds(withInput: true, withLoss: true, withDecoded: true))
        {
            var logits = Direct(learn, x);
            var probabilities = logits.softmax(-1);
            Assert.False(preds.Preds.requires_grad);
            Assert.Equal(new long[] { 21, 3 }, preds.Preds.shape);
            Assert.True(preds.Preds.allclose(probabilities, rtol: 1e-5, atol: 1e-6));
            Assert.Equal(y.data<long>().ToArray(), preds.Targets!.data<long>().ToArray());
            Assert.Equal(x.data<float>().ToArray(), preds.Inputs!.data<float>().ToArray());
            Assert.Equal(probabilities.argmax(1).data<long>().ToArray(), preds.Decoded!.data<long>().ToArray());
            Assert.True(preds.Losses!.allclose(nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.None), rtol: 1e-5, atol: 1e-6));
        }
    }

    [Fact]
    public void Predict_gives_one_samples_class_and_probabilities()
    {
        var (learn, x, _) = Classifier();
        using (learn)
        using (var prediction = learn.Predict(x[4]))
        {
            var probabilities = Direct(learn, x.narrow(0, 4, 1)).softmax(-1)[0];
            Assert.True(prediction.Preds.allclose(probabilities, rtol: 1e-5, atol: 1e-6));
            Assert.Equal(probabilities.argmax().item<long>(), prediction.Decoded.item<long>());
        }
    }

    [Fact]
    public void A_plain_delegate_loss_gives_raw_outputs_and_says_what_per_sample_losses_need()
    {
        var (learn, x, _) = Classifier((p, t) => nn.functional.cross_entropy(p, t));
        using (learn)
        {
            using var preds = learn.GetPreds();
            Assert.True(preds.Preds.allclose(Direct(learn, x), rtol: 1e-5, atol: 1e-6));   // fastai's noop activation
            Assert.Contains("Losses.CrossEntropyFlat()", Assert.Throws<InvalidOperationException>(() => learn.GetPreds(withLoss: true)).Message);
        }
    }
}
