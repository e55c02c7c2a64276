using Gen;
using static TorchSharp.torch;

namespace Benchmarks;

/// <summary>A tiny Learner to hand to callbacks: dispatch benchmarks need one, never train it.</summary>
public static class BenchLearner
{
    public static Learner Create()
    {
        var x = zeros(8, 1);
        return new Learner(nn.Linear(1, 1), new DataLoaders(new DataLoader(x, x, 4), new DataLoader(x, x, 4)), (p, y) => nn.functional.mse_loss(p, y));
    }
}
