namespace Gen;

/// <summary>
/// fastai's <c>comp</c> argument of a <see cref="TrackerCallback"/>: which way the monitored value improves
/// (<c>np.less</c> or <c>np.greater</c>). Left null, it is inferred from the monitor's name as fastai does.
/// </summary>
public enum TrackerComp
{
    /// <summary>Lower is better (fastai's <c>np.less</c>): losses and error rates.</summary>
    Less,

    /// <summary>Higher is better (fastai's <c>np.greater</c>): accuracy and most other metrics.</summary>
    Greater,
}
