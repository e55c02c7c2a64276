using System;
using Gen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CourseLearner;

/// <summary>
/// A model with two inputs (numeric features and a category index) and two outputs (the prediction and an auxiliary
/// one from the numeric branch alone, as Inception's auxiliary head). The default Learner passes both inputs of a
/// batch to an <c>nn.Module&lt;Tensor, Tensor, Tensor&gt;</c>; <see cref="AuxiliaryLoss"/> splits the outputs.
/// </summary>
public sealed class TwoInputNet : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly Embedding _category;
    private readonly Linear _numeric, _head, _aux;

    public TwoInputNet(int features, int categories, int hidden = 16) : base(nameof(TwoInputNet))
    {
        _category = nn.Embedding(categories, hidden);
        _numeric = nn.Linear(features, hidden);
        _head = nn.Linear(hidden, 1);
        _aux = nn.Linear(hidden, 1);
        RegisterComponents();
    }

    /// <summary>Both outputs: the prediction, and the auxiliary one from the numeric branch.</summary>
    public (Tensor Out, Tensor Aux) Outputs(Tensor numeric, Tensor category)
    {
        var n = nn.functional.relu(_numeric.forward(numeric));
        return (_head.forward(n + _category.forward(category)), _aux.forward(n));
    }

    /// <summary>The prediction alone: what the default Learner calls.</summary>
    public override Tensor forward(Tensor numeric, Tensor category) => Outputs(numeric, category).Out;
}

/// <summary>
/// Replaces Predict and GetLoss for a model with two outputs, as fastai's RNNCallback splits an RNN's: the prediction
/// goes to <see cref="Learner.Pred"/>, the auxiliary output stays here, typed, and adds <see cref="Weight"/> times its
/// own loss to the one the model learns from (the metrics and the recorded loss see the main loss only).
/// </summary>
public sealed partial class AuxiliaryLoss(double weight = 0.3) : Callback, IPredict, IGetLoss
{
    public double Weight { get; } = weight;

    /// <summary>The auxiliary output of the current batch.</summary>
    public Tensor? Aux { get; private set; }

    public void Predict(Learner learn)
    {
        var model = learn.Model as TwoInputNet ?? throw new InvalidOperationException("AuxiliaryLoss drives a TwoInputNet.");
        (learn.Pred, Aux) = model.Outputs(learn.Xbs[0], learn.Xbs[1]);
    }

    public void GetLoss(Learner learn)
    {
        var main = learn.LossFunc(learn.Pred!, learn.Yb!);
        learn.Loss = main.detach().clone();
        learn.LossGrad = main + Weight * learn.LossFunc(Aux!, learn.Yb!);
    }
}

/// <summary>y = sum of the features + an offset per category, with noise.</summary>
public static class TwoInputData
{
    public static DataLoaders Make(int samples, int features, int categories, int batchSize, long seed)
    {
        var generator = new torch.Generator((ulong)seed);
        var offsets = linspace(-2, 2, categories);
        (Tensor[] Xs, Tensor Y) Part(int n)
        {
            var numeric = randn(n, features, generator: generator);
            var category = randint(categories, n, generator: generator);
            var y = numeric.sum(1, keepdim: true) + offsets[category].unsqueeze(1) + 0.05 * randn(n, 1, generator: generator);
            return ([numeric, category], y);
        }
        var (xt, yt) = Part(samples);
        var (xv, yv) = Part(samples / 4);
        return new DataLoaders(new Gen.DataLoader(xt, [yt], batchSize, shuffle: true, dropLast: true, seed: seed), new Gen.DataLoader(xv, [yv], batchSize));
    }
}
