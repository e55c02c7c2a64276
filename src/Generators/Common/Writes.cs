using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Gen.Generators.Common;

/// <summary>What a node writes: the target of an assignment (<c>x = e</c>, <c>x += e</c>) or of <c>++</c>/<c>--</c>.</summary>
internal static class Writes
{
    /// <summary>The expression <paramref name="node"/> writes to, or null when it writes nothing.</summary>
    public static ExpressionSyntax? Target(SyntaxNode node) => node switch
    {
        AssignmentExpressionSyntax assignment => assignment.Left,
        PostfixUnaryExpressionSyntax postfix => postfix.Operand,
        PrefixUnaryExpressionSyntax prefix when prefix.Kind() is SyntaxKind.PreIncrementExpression or SyntaxKind.PreDecrementExpression => prefix.Operand,
        _ => null,
    };
}
