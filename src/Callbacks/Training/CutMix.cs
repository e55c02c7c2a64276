using System;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// fastai's CutMix (Yun et al., https://arxiv.org/abs/1905.04899): in every training batch of images (N, C, H, W), one
/// box, of area about (1 - lambda) of the image with lambda drawn from Beta(alpha, alpha) and centred at a uniformly drawn
/// pixel (clipped at the borders), is pasted from the shuffled batch into each image; lambda then becomes the share of
/// the image left unchanged, 1 - box area / (H * W), as fastai corrects it. Targets or losses are mixed with that lambda
/// as <see cref="MixHandler"/> says. The batch is copied, never changed in place.
/// </summary>
public sealed partial class CutMix : MixHandler
{
    /// <param name="alpha">fastai's alpha (default 1.0).</param>
    /// <param name="perSampleLoss">loss(pred, target) per sample for integer targets; default cross-entropy with reduction none.</param>
    public CutMix(double alpha = 1.0, Func<Tensor, Tensor, Tensor>? perSampleLoss = null) : base(alpha, perSampleLoss) { }

    /// <summary>This training batch's box: columns [X1, X2) and rows [Y1, Y2). Valid during the batch.</summary>
    public (long X1, long Y1, long X2, long Y2) Box { get; private set; }

    [Event] void BeforeTrain(Learner learn) => InstallLoss(learn);
    [Event] void BeforeBatch(Learner learn) => MixBatch(learn);
    [Event] void AfterTrain(Learner learn) => RestoreLoss(learn);
    [Event] void AfterCancelTrain(Learner learn) => RestoreLoss(learn);
    [Event] void AfterCancelFit(Learner learn) => RestoreLoss(learn);

    /// <inheritdoc/>
    protected override void MixInputs(Learner learn)
    {
        var x = learn.Xb!;
        if (x.dim() != 4)
            throw new InvalidOperationException($"CutMix pastes a box between images of shape (N, C, H, W), but the batch's first input has shape [{string.Join(", ", x.shape)}]; use MixUp for other inputs.");
        long bs = x.shape[0], h = x.shape[2], w = x.shape[3];
        var drawn = SampleLam(1, CPU);
        Shuffle = randperm(bs).to(x.device);
        ShuffledYbs = [learn.Yb!.index_select(0, Shuffle)];
        var (x1, y1, x2, y2) = Box = RandomBox(w, h, drawn.item<float>());
        var mixed = x.clone();
        if (x2 > x1 && y2 > y1)
        {
            using var source = x.index_select(0, Shuffle).narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1);
            mixed.narrow(2, y1, y2 - y1).narrow(3, x1, x2 - x1).copy_(source);
        }
        learn.Xb = mixed;
        Lam = tensor(new[] { 1 - (float)((x2 - x1) * (y2 - y1)) / (w * h) }, device: x.device);
    }

    // fastai's rand_bbox, in float32 as fastai's tensors: a box of sides round(W * sqrt(1 - lam)) and
    // round(H * sqrt(1 - lam)) (half to even, as torch.round) around a uniform centre, clamped to the image.
    private static (long X1, long Y1, long X2, long Y2) RandomBox(long w, long h, float lam)
    {
        float cutRatio = MathF.Sqrt(1f - lam);
        long cutW = (long)MathF.Round(w * cutRatio), cutH = (long)MathF.Round(h * cutRatio);
        long cx = randint(0, w, [1]).item<long>(), cy = randint(0, h, [1]).item<long>();
        return (Math.Clamp(cx - cutW / 2, 0, w), Math.Clamp(cy - cutH / 2, 0, h),
                Math.Clamp(cx + cutW / 2, 0, w), Math.Clamp(cy + cutH / 2, 0, h));
    }
}
