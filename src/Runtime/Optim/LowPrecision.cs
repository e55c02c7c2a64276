using System;
using System.ComponentModel;
using static TorchSharp.torch;

namespace Gen.Internals;

/// <summary>The 16-bit formats a mixed-precision model runs in; the optimizer's master weights stay float32.</summary>
public enum LowPrecisionFormat
{
    /// <summary>bfloat16: float32's exponent range, 8 bits of significand.</summary>
    BFloat16,

    /// <summary>IEEE float16: 11 bits of significand, a range that needs loss scaling.</summary>
    Float16,
}

/// <summary>
/// Conversions between float32 and the 16-bit formats, element by element, for the fused mixed-precision kernels:
/// the same results as libtorch's casts (round to nearest, ties to even; NaN stays NaN).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class LowPrecision
{
    /// <summary>The value of a 16-bit element.</summary>
    public static float ToSingle(ushort bits, LowPrecisionFormat format) =>
        format == LowPrecisionFormat.BFloat16 ? BitConverter.Int32BitsToSingle(bits << 16) : (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>The 16-bit element nearest to <paramref name="value"/> (ties to even).</summary>
    public static ushort FromSingle(float value, LowPrecisionFormat format)
    {
        if (format == LowPrecisionFormat.Float16) return BitConverter.HalfToUInt16Bits((Half)value);
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return 0x7FC0;   // the quiet NaN libtorch makes
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>The TorchSharp dtype of a format.</summary>
    public static ScalarType DType(LowPrecisionFormat format) => format == LowPrecisionFormat.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float16;
}
