namespace Gen;

/// <summary>fastai's rnn_cbs: the callbacks a recurrent model trains with.</summary>
public static class RnnCallbacks
{
    /// <summary>
    /// A <see cref="ModelResetter"/>, plus an <see cref="RnnRegularizer"/> when <paramref name="alpha"/> or
    /// <paramref name="beta"/> is not 0. (fastai's RNNCallback, which splits a tuple prediction, has no counterpart:
    /// the model exposes its outputs through <see cref="IRnnOutputs"/>.)
    /// </summary>
    public static Callback[] Create(double alpha = 0, double beta = 0) =>
        alpha != 0 || beta != 0 ? [new ModelResetter(), new RnnRegularizer(alpha, beta)] : [new ModelResetter()];
}
