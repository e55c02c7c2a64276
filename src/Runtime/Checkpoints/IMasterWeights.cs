using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// A callback that keeps more exact copies of the model's weights than the model itself (MixedPrecision's float32
/// masters of a bfloat16/float16 model): a checkpoint's model section takes them, so that loading it gives the exact
/// weights and not their rounding.
/// </summary>
internal interface IMasterWeights
{
    /// <summary>The exact value of the model's state entry <paramref name="name"/>, or null to save the model's own.</summary>
    Tensor? MasterOf(string name);
}
