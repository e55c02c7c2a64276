using System.Globalization;
using System.Text.Json;

namespace Benchmarks.Fit;

/// <summary>
/// What a fit child reports to the parent: the timed seconds and the last epoch's validation loss and accuracy over the
/// whole validation set. The child writes it as the last line of its standard output; everything else goes to standard error.
/// </summary>
public sealed record FitResult(double Seconds, double ValidLoss, double Accuracy)
{
    public string ToLine() => JsonSerializer.Serialize(this);

    public static FitResult Parse(string line) => JsonSerializer.Deserialize<FitResult>(line)
        ?? throw new JsonException($"not a fit result: '{line}'");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Seconds:F2} s, valid_loss {ValidLoss:F4}, accuracy {Accuracy:P2}");
}
