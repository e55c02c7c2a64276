using System;
using static TorchSharp.torch;

namespace Gen;

/// <summary>fastai's DataLoaders: a training and a validation loader.</summary>
public sealed class DataLoaders(DataLoader train, DataLoader valid) : IDisposable
{
    /// <summary>The training loader (fastai's <c>dls.train</c>).</summary>
    public DataLoader Train { get; } = train;

    /// <summary>The validation loader (fastai's <c>dls.valid</c>).</summary>
    public DataLoader Valid { get; } = valid;

    /// <summary>fastai's <c>dls[i]</c>: 0 is training, 1 is validation.</summary>
    public DataLoader this[int index] => index switch
    {
        0 => Train,
        1 => Valid,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "DataLoaders has two loaders: 0 (train) and 1 (valid)."),
    };

    /// <summary>Loaders over tensors as fastai makes them: training shuffled (seeded) without its last partial batch, validation in order.</summary>
    public static DataLoaders FromTensors(Tensor xTrain, Tensor yTrain, Tensor xValid, Tensor yValid, int batchSize, long seed = 0) =>
        new(new DataLoader(xTrain, yTrain, batchSize, shuffle: true, dropLast: xTrain.shape[0] >= batchSize, seed: seed),
            new DataLoader(xValid, yValid, batchSize));

    /// <summary>Disposes both loaders.</summary>
    public void Dispose()
    {
        Train.Dispose();
        Valid.Dispose();
    }
}
