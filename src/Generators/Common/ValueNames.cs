using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Gen.Generators.Common;

/// <summary>
/// Whether a name stands for a value (x in <c>F(x) => x * 2</c>): not a member's name (Sqrt in <c>MathF.Sqrt</c>), a
/// called method, an argument's name (<c>mom:</c>) or a type (a cast to <c>dampening?</c>, whose place takes no value).
/// The rewriters replace only these with values.
/// </summary>
internal static class ValueNames
{
    public static bool Is(IdentifierNameSyntax id) =>
        !(id.Parent is MemberAccessExpressionSyntax access && access.Name == id)
        && !(id.Parent is InvocationExpressionSyntax call && call.Expression == id)
        && id.Parent is not NameColonSyntax
        && !SyntaxFacts.IsInTypeOnlyContext(id);
}
