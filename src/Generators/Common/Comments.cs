using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Gen.Generators.Common;

/// <summary>
/// Code without its comments and surrounding whitespace, for models that carry code as text: a comment or blank line
/// added to a step then leaves the model equal, so the generated source stays cached.
/// </summary>
internal static class Comments
{
    public static T Strip<T>(T node) where T : SyntaxNode =>
        node.ReplaceTrivia(node.DescendantTrivia(descendIntoTrivia: true).Where(IsComment), (_, _) => default).WithoutTrivia();

    private static bool IsComment(SyntaxTrivia trivia) => trivia.Kind() is SyntaxKind.SingleLineCommentTrivia or SyntaxKind.MultiLineCommentTrivia
        or SyntaxKind.SingleLineDocumentationCommentTrivia or SyntaxKind.MultiLineDocumentationCommentTrivia;
}
