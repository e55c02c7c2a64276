namespace Gen;

/// <summary>
/// A callback (or other part of a Learner) whose own state a checkpoint keeps: <see cref="Learner.Save"/> asks it for
/// its values under <see cref="CheckpointKey"/> and <see cref="Learner.Load"/> hands them back, so that a resumed fit
/// continues as the uninterrupted one would have (a best value so far, a wait counter, an accumulated count).
/// </summary>
public interface ICheckpointed
{
    /// <summary>The stable key of this state in a checkpoint (e.g. the callback's type name); unique in a Learner.</summary>
    string CheckpointKey { get; }

    /// <summary>Writes this object's state into <paramref name="state"/>.</summary>
    void SaveState(CheckpointState state);

    /// <summary>Restores what <see cref="SaveState"/> wrote. Throw (before changing anything) when it does not fit.</summary>
    void LoadState(CheckpointState state);
}
