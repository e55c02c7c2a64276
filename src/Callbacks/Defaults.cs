namespace Gen;

/// <summary>
/// fastai's <c>defaults.callbacks</c>: the callbacks every Learner of an application gets besides
/// TrainEval (which the Learner adds itself). The one composition point of the standard library.
/// </summary>
public static class Defaults
{
    /// <summary>A new Recorder and Progress (writing to <paramref name="progress"/>, or quiet when null).</summary>
    public static Callback[] Callbacks(Progress? progress = null) => [new Recorder(), progress ?? new Progress()];
}
