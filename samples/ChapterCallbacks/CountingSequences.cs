using static TorchSharp.torch;

namespace Gen.Samples.ChapterCallbacks;

/// <summary>
/// A synthetic language-modelling task: each sequence counts modulo <c>vocab</c> from a random start by a step of 1 or
/// 2 chosen per sequence, so predicting the next token needs the sequence's history (which step it uses). Inputs are
/// tokens 0..n-2, targets tokens 1..n-1, as a language model's data.
/// </summary>
public static class CountingSequences
{
    /// <summary><paramref name="count"/> sequences of <paramref name="length"/> tokens: (inputs, targets), both int64 <c>[count, length - 1]</c>.</summary>
    public static (Tensor X, Tensor Y) Make(int count, int length, int vocab, Generator generator)
    {
        var start = randint(0, vocab, [count, 1], dtype: ScalarType.Int64, generator: generator);
        var step = randint(1, 3, [count, 1], dtype: ScalarType.Int64, generator: generator);
        var tokens = (start + step * arange(length, dtype: ScalarType.Int64).unsqueeze(0)).remainder(vocab);
        return (tokens.narrow(1, 0, length - 1).contiguous(), tokens.narrow(1, 1, length - 1).contiguous());
    }

    /// <summary>Training and validation loaders over fresh sequences drawn from <paramref name="seed"/>.</summary>
    public static DataLoaders Loaders(int train = 256, int valid = 64, int length = 12, int vocab = 10, int batchSize = 32, long seed = 0)
    {
        var generator = new Generator((ulong)seed);
        var (x, y) = Make(train, length, vocab, generator);
        var (vx, vy) = Make(valid, length, vocab, generator);
        return DataLoaders.FromTensors(x, y, vx, vy, batchSize, seed);
    }
}
