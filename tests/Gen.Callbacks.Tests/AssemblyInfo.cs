using Xunit;

// TorchSharp's random generator and default dtype are process-wide: tests that seed it (manual_seed) and then
// draw from it must not interleave with others doing the same.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
