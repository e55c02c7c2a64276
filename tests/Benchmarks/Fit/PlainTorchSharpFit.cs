using System;
using System.Diagnostics;
using FashionMnist;
using TorchSharp;
using static TorchSharp.torch;

namespace Benchmarks.Fit;

/// <summary>
/// The same fit as a TorchSharp user writes it by hand: AdamW with fastai's Adam hyper-parameters, TorchSharp's
/// OneCycleLR set to fastai's one-cycle, batches taken with <c>index_select</c> from a permutation per epoch (the last
/// partial batch dropped, as fastai's training loader), and validation in batches of the same size after every epoch.
/// The permutation is the one Gen's training loader draws for that epoch and seed (<see cref="Gen.DataLoader.GetIdxs"/>),
/// so both ways see the same batches and differ only in how they train on them.
/// </summary>
public static class PlainTorchSharpFit
{
    // fastai's fit_one_cycle: lr from lr_max/div up to lr_max over the first pct_start of the steps, then down to
    // lr_max/div_final; mom (Adam's beta1) from 0.95 down to 0.85 and back.
    private const double LrMax = 1e-2, PctStart = 0.25, Div = 25, DivFinal = 1e5;

    public static FitResult Run(FashionMnistData data, long seed, int epochs)
    {
        int bs = FitChild.BatchSize;
        long n = data.XTrain.shape[0];
        int batches = (int)(n / bs);
        manual_seed(seed);
        long start = Stopwatch.GetTimestamp();
        using var model = SimpleCnn.Create();
        using var opt = optim.AdamW(model.parameters(), lr: LrMax, beta1: 0.9, beta2: 0.99, eps: 1e-5, weight_decay: 0.01);
        // PyTorch's final_div_factor divides the starting lr (lr_max/div_factor); fastai's div_final divides lr_max.
        var sched = optim.lr_scheduler.OneCycleLR(opt, max_lr: LrMax, total_steps: epochs * batches, pct_start: PctStart,
                                                  cycle_momentum: true, base_momentum: 0.85, max_momentum: 0.95,
                                                  div_factor: Div, final_div_factor: DivFinal / Div);
        using var order = new Gen.DataLoader(data.XTrain, data.YTrain, bs, shuffle: true, dropLast: true, seed: seed);
        var valid = (Loss: double.NaN, Accuracy: double.NaN);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            using var perm = tensor(order.GetIdxs(epoch));
            for (int b = 0; b < batches; b++)
            {
                using var scope = NewDisposeScope();
                var idx = perm.narrow(0, (long)b * bs, bs);
                var x = data.XTrain.index_select(0, idx);
                var y = data.YTrain.index_select(0, idx);
                var loss = nn.functional.cross_entropy(model.forward(x), y);
                opt.zero_grad();
                loss.backward();
                opt.step();
                sched.step();
            }
            valid = Validate(model, data.XValid, data.YValid, bs);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new FitResult(seconds, valid.Loss, valid.Accuracy);
    }

    /// <summary>Loss and accuracy averaged over every validation sample, as fastai's valid_loss and accuracy.</summary>
    private static (double Loss, double Accuracy) Validate(nn.Module<Tensor, Tensor> model, Tensor xValid, Tensor yValid, int bs)
    {
        model.eval();
        using var noGrad = no_grad();
        long n = xValid.shape[0];
        double lossSum = 0;
        long correct = 0;
        for (long i = 0; i < n; i += bs)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(bs, n - i);
            var pred = model.forward(xValid.narrow(0, i, count));
            var y = yValid.narrow(0, i, count);
            lossSum += nn.functional.cross_entropy(pred, y).item<float>() * count;
            correct += pred.argmax(1).eq(y).sum().item<long>();
        }
        return (lossSum / n, (double)correct / n);
    }
}
