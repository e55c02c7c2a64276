using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Benchmarks;

/// <summary>One quick-mode result line (DESIGN.md section 8). Ratio above 1: ours is faster than the baseline.</summary>
public sealed record Comparison(string Name, string Metric, double Value, string Baseline, double BaselineValue, double AllocatedBytes)
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public double Ratio => BaselineValue / Value;

    [JsonPropertyOrder(1)]
    [JsonPropertyName("ratio")]
    public double RoundedRatio => Math.Round(Ratio, 3);

    public string ToJson() => JsonSerializer.Serialize(new
    {
        name = Name,
        metric = Metric,
        value = Math.Round(Value, 4),
        baseline = Baseline,
        baseline_value = Math.Round(BaselineValue, 4),
        ratio = Math.Round(Ratio, 3),
        allocated_bytes = Math.Round(AllocatedBytes, 1),
    }, Options);
}
