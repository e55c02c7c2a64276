using static TorchSharp.torch;

namespace Gen.TestSupport;

/// <summary>A small regression problem like fastai's synth_learner: y = a*x + b + noise, linear model, MSE.</summary>
public static class SynthLearner
{
    public static DataLoaders Data(int trainBatches, int validBatches, int batchSize = 4, long seed = 42)
    {
        var generator = new Generator((ulong)seed);
        (Tensor X, Tensor Y) Make(int n)
        {
            var x = randn(n, 1, generator: generator);
            return (x, 2 * x + 3 + 0.1 * randn(n, 1, generator: generator));
        }
        var (xt, yt) = Make(trainBatches * batchSize);
        var (xv, yv) = Make(validBatches * batchSize);
        return new DataLoaders(new DataLoader(xt, yt, batchSize, shuffle: true, seed: seed), new DataLoader(xv, yv, batchSize));
    }

    public static Learner Create(int trainBatches = 2, int validBatches = 1, CallbackPipeline? pipeline = null, OptimizerFactory? optFunc = null, params Callback[] cbs)
    {
        manual_seed(0);
        return new Learner(nn.Linear(1, 1), Data(trainBatches, validBatches), (p, y) => nn.functional.mse_loss(p, y),
            optFunc: optFunc ?? TorchOptimizer.Sgd(), lr: 0.1, cbs: cbs, pipeline: pipeline);
    }
}
