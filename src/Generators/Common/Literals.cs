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
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + "d",
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        null => "default",
        _ => System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? "default",
    });
}
