using System.Collections.Generic;

namespace Gen;

/// <summary>
/// A fixed set of callbacks ordered at compile time. Declare one with <see cref="PipelineAttribute"/>;
/// the generator writes <see cref="Dispatch"/> as one method per event calling the handlers directly.
/// </summary>
public abstract class CallbackPipeline
{
    /// <summary>The callbacks, in the order their handlers run.</summary>
    public abstract IReadOnlyList<Callback> Callbacks { get; }

    /// <summary>Runs every handler of <paramref name="e"/> in order, stopping early when one cancels.</summary>
    public abstract void Dispatch(Event e, Learner learn);
}
