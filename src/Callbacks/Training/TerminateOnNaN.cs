namespace Gen;

/// <summary>fastai's TerminateOnNaNCallback: stops training as soon as the loss is NaN or infinite.</summary>
[RunBefore(typeof(Recorder))]
public sealed partial class TerminateOnNaN : Callback
{
    /// <summary>Whether the last fit was stopped by a non-finite loss.</summary>
    public bool Terminated { get; private set; }

    [Event] void BeforeFit() => Terminated = false;

    [Event]
    void AfterBatch(Learner learn)
    {
        if (double.IsFinite(learn.LossValue)) return;
        Terminated = true;
        learn.Cancel(Stage.Fit);
    }
}
