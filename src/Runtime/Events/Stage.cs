namespace Gen;

/// <summary>
/// The parts of the loop that fastai wraps in <c>_with_events</c> and that can be cancelled,
/// from innermost to outermost.
/// </summary>
public enum Stage : byte
{
    None,
    Backward,
    Step,
    Batch,
    Train,
    Validate,
    Epoch,
    Fit,
}
