using System.Globalization;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Gen.Generators.Common;

/// <summary>C# literals for compile-time values (option defaults, constants), exact and culture-independent.</summary>
internal static class Literals
{
    public static ExpressionSyntax Of(object? value) => SyntaxFactory.ParseExpression(value switch
    {
        bool b => b ? "true" : "false",
        // Infinities and NaN as constant divisions: plain arithmetic that every backend and the float-to-double rewrite take.
        float f when float.IsNaN(f) => "(0f / 0f)",
        float f when float.IsInfinity(f) => f > 0 ? "(1f / 0f)" : "(-1f / 0f)",
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        double d when double.IsNaN(d) => "(0d / 0d)",
        double d when double.IsInfinity(d) => d > 0 ? "(1d / 0d)" : "(-1d / 0d)",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + "d",
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        null => "default",
        _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "default",
    });
}
