using TorchSharp;
using static TorchSharp.torch;

namespace FashionMnist;

/// <summary>
/// The book's simple_cnn (chapter 13, used again in "The Training Process"): five conv blocks, each a stride-2 Conv2d
/// with padding ks/2, BatchNorm2d and ReLU (none after the last), channels 1-8-16-32-64-10, kernel 5 for the first
/// and 3 for the rest; a 28x28 image ends as 10 logits after Flatten.
/// </summary>
public static class SimpleCnn
{
    public static nn.Module<Tensor, Tensor> Create() => nn.Sequential(
        Conv(1, 8, ks: 5),           // 14x14
        Conv(8, 16),                 // 7x7
        Conv(16, 32),                // 4x4
        Conv(32, 64),                // 2x2
        Conv(64, 10, act: false),    // 1x1
        nn.Flatten());

    private static nn.Module<Tensor, Tensor> Conv(long ni, long nf, long ks = 3, bool act = true) => act
        ? nn.Sequential(nn.Conv2d(ni, nf, ks, stride: 2, padding: ks / 2), nn.BatchNorm2d(nf), nn.ReLU())
        : nn.Sequential(nn.Conv2d(ni, nf, ks, stride: 2, padding: ks / 2), nn.BatchNorm2d(nf));
}
