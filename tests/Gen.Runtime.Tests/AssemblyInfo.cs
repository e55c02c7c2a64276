using Xunit;

// TorchSharp's random generator is process-wide, and the loader tests count worker threads and the tensors they
// make process-wide: tests must not interleave.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
