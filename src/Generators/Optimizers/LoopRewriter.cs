using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Gen.Generators.Optimizers;

/// <summary>
/// Base of the rewriters that translate a step's per-element statements into another form (vectors,
/// whole tensors): tracks whether every construct had a translation, and maps Math calls.
/// </summary>
internal abstract class LoopRewriter(ISet<string> hoistedBools) : CSharpSyntaxRewriter
{
    private bool _supported = true;

    /// <summary>The rewritten statements, or null when one of them has no translation.</summary>
    protected List<string>? RewriteAll(IEnumerable<StatementSyntax> loop)
    {
        var text = loop.Select(s => Visit(s)!.NormalizeWhitespace().ToFullString()).ToList();
        return _supported ? text : null;
    }

    protected SyntaxNode? Unsupported(SyntaxNode node)
    {
        _supported = false;
        return node;
    }

    /// <summary>A condition computed once per tensor (a hoisted bool), which may stay a plain branch.</summary>
    protected bool IsHoistedCondition(ExpressionSyntax condition) =>
        condition is IdentifierNameSyntax id && hoistedBools.Contains(id.Identifier.Text);

    /// <summary><c>Math.X(args)</c> / <c>MathF.X(args)</c> as <c>{target}.{map[X]}(args)</c>, or unsupported.</summary>
    protected SyntaxNode? MathCall(InvocationExpressionSyntax node, IReadOnlyDictionary<string, string> map, string target)
    {
        if (node.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.Text: "Math" or "MathF" }, Name: var method }
            && map.TryGetValue(method.Identifier.Text, out var translated))
            return InvocationExpression(ParseExpression($"{target}.{translated}"), (ArgumentListSyntax)VisitArgumentList(node.ArgumentList)!);
        return Unsupported(node);
    }

    public override SyntaxNode? VisitIfStatement(IfStatementSyntax node) =>
        IsHoistedCondition(node.Condition) ? base.VisitIfStatement(node) : Unsupported(node);

    public override SyntaxNode? VisitPostfixUnaryExpression(PostfixUnaryExpressionSyntax node) => Unsupported(node);
    public override SyntaxNode? VisitCastExpression(CastExpressionSyntax node) => Unsupported(node);
    public override SyntaxNode? VisitElementAccessExpression(ElementAccessExpressionSyntax node) => Unsupported(node);
}
