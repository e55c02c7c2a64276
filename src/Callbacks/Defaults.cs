namespace Gen;

/// <summary>
/// fastai's <c>defaults.callbacks</c>: the callbacks every Learner of an application gets besides
/// TrainEval (which the Learner adds itself). The one composition point of the standard library.
/// </summary>
public static class Defaults
{
    /// <summary>A Recorder computing <paramref name="metrics"/> on the validation set, and Progress on standard output.</summary>
    public static Callback[] Callbacks(params Metric[] metrics) => Callbacks(new Progress(), metrics);

    /// <summary>A Recorder computing <paramref name="metrics"/>, and <paramref name="progress"/> (<see cref="Progress.Quiet"/> for none).</summary>
    public static Callback[] Callbacks(Progress progress, params Metric[] metrics) => [new Recorder(metrics), progress];
}
