using System.ComponentModel;

namespace Gen.Internals;

/// <summary>Prepares a kernel once for a run of a group's members: <paramref name="first"/>'s per-tensor state (it stands for all) and the group's hypers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void FlatPrepare(FlatGroup flat, int first, int group);

/// <summary>Runs the prepared fused kernel over elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="length"/>) of a group's flat buffers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void FlatRun(FlatGroup flat, long start, int length);

/// <summary>Runs the prepared mixed-precision kernel over a range of a group's flat masters and their low-precision copies.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void FlatLowRun(FlatGroup flat, LowPrecisionFlat low, long start, int length);

/// <summary>Runs the prepared tensor path over one slice of a group's flat buffers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public delegate void FlatSliceRun(FlatSlice slice);

/// <summary>
/// The kernels a generated optimizer gives its flat groups, each in two parts: a prepare, which runs the per-tensor code
/// once, and a run over a range of the buffers, which a long run or the tensor path's slices call once per piece. A
/// missing pair (null) is a form the optimizer does not have; its parameters are then stepped one by one.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class FlatKernels
{
    /// <summary>The tensor path over a group's slices: prepare once, then each slice.</summary>
    public FlatPrepare? PrepareSlices { get; init; }

    /// <inheritdoc cref="PrepareSlices"/>
    public FlatSliceRun? RunSlice { get; init; }

    /// <summary>The fused CPU kernel over runs of members: prepare once per run, then each piece of it.</summary>
    public FlatPrepare? PrepareRun { get; init; }

    /// <inheritdoc cref="PrepareRun"/>
    public FlatRun? Run { get; init; }

    /// <summary>The fused CPU kernel in mixed precision (float32 masters, low-precision copies): prepare once per run, then each piece.</summary>
    public FlatPrepare? PrepareLowRun { get; init; }

    /// <inheritdoc cref="PrepareLowRun"/>
    public FlatLowRun? RunLow { get; init; }

    internal bool HasSlices => PrepareSlices is not null && RunSlice is not null;

    internal bool HasRuns => PrepareRun is not null && Run is not null;

    internal bool HasLowRuns => PrepareLowRun is not null && RunLow is not null;
}
