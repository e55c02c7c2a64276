using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Gen.Generators.Optimizers;

/// <summary>
/// Rewrites a step's per-element statements as whole-tensor TorchSharp operations (the tensor path, for
/// any device): writes to elements become in-place ops (<c>p *= x</c> -> <c>p.mul_(x)</c>,
/// <c>s = e</c> -> <c>s.copy_(e)</c>), Math calls become torch functions, element-dependent conditionals
/// <c>torch.where</c>. Anything else leaves the step without a tensor form: <see cref="Rewrite"/> returns null.
/// </summary>
internal sealed class TensorRewriter : CSharpSyntaxRewriter
{
    private const string Torch = "global::TorchSharp.torch";

    private static readonly Dictionary<string, string> TorchMath = new()
    {
        ["Sqrt"] = "sqrt", ["Abs"] = "abs", ["Exp"] = "exp", ["Log"] = "log", ["Max"] = "maximum", ["Min"] = "minimum",
    };

    private static readonly Dictionary<SyntaxKind, string> InPlace = new()
    {
        [SyntaxKind.SimpleAssignmentExpression] = "copy_", [SyntaxKind.AddAssignmentExpression] = "add_",
        [SyntaxKind.SubtractAssignmentExpression] = "sub_", [SyntaxKind.MultiplyAssignmentExpression] = "mul_",
        [SyntaxKind.DivideAssignmentExpression] = "div_",
    };

    private readonly ISet<string> _writable;     // ref elements: the parameter, its gradient, state buffers
    private readonly ISet<string> _readOnly;     // elements the step takes by value
    private readonly ISet<string> _hoistedBools;
    private bool _supported = true;

    private TensorRewriter(ISet<string> writable, ISet<string> readOnly, ISet<string> hoistedBools) =>
        (_writable, _readOnly, _hoistedBools) = (writable, readOnly, hoistedBools);

    public static List<string>? Rewrite(IEnumerable<StatementSyntax> loop, IEnumerable<ElementBinding> elements, ISet<string> hoistedBools)
    {
        var rewriter = new TensorRewriter(
            new HashSet<string>(elements.Where(e => e.IsRef).Select(e => e.Name)),
            new HashSet<string>(elements.Where(e => !e.IsRef).Select(e => e.Name)),
            hoistedBools);
        var text = loop.Select(s => rewriter.Visit(s)!.NormalizeWhitespace().ToFullString()).ToList();
        return rewriter._supported ? text : null;
    }

    private SyntaxNode? Unsupported(SyntaxNode node)
    {
        _supported = false;
        return node;
    }

    public override SyntaxNode? VisitAssignmentExpression(AssignmentExpressionSyntax node)
    {
        if (node.Left is not IdentifierNameSyntax target || !InPlace.TryGetValue(node.Kind(), out var method)) return Unsupported(node);
        if (_readOnly.Contains(target.Identifier.Text)) return Unsupported(node);
        var value = (ExpressionSyntax)Visit(node.Right)!;
        if (!_writable.Contains(target.Identifier.Text)) return node.WithRight(value);   // a local tensor: rebinding is fine
        return InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, target, IdentifierName(method)),
            ArgumentList(SingletonSeparatedList(Argument(value))));
    }

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        if (node.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax { Identifier.Text: "Math" or "MathF" }, Name: var method }
            && TorchMath.TryGetValue(method.Identifier.Text, out var torchMethod))
            return InvocationExpression(ParseExpression($"{Torch}.{torchMethod}"), (ArgumentListSyntax)VisitArgumentList(node.ArgumentList)!);
        return Unsupported(node);
    }

    public override SyntaxNode? VisitConditionalExpression(ConditionalExpressionSyntax node)
    {
        if (node.Condition is IdentifierNameSyntax id && _hoistedBools.Contains(id.Identifier.Text)) return base.VisitConditionalExpression(node);
        var arguments = new[] { node.Condition, node.WhenTrue, node.WhenFalse }.Select(e => Argument((ExpressionSyntax)Visit(e)!));
        return InvocationExpression(ParseExpression($"{Torch}.where"), ArgumentList(SeparatedList(arguments)));
    }

    public override SyntaxNode? VisitIfStatement(IfStatementSyntax node) =>
        node.Condition is IdentifierNameSyntax id && _hoistedBools.Contains(id.Identifier.Text) ? base.VisitIfStatement(node) : Unsupported(node);

    public override SyntaxNode? VisitPredefinedType(PredefinedTypeSyntax node) =>
        node.Keyword.IsKind(SyntaxKind.FloatKeyword) ? ParseTypeName($"{Torch}.Tensor").WithTriviaFrom(node) : Unsupported(node);

    public override SyntaxNode? VisitPostfixUnaryExpression(PostfixUnaryExpressionSyntax node) => Unsupported(node);
    public override SyntaxNode? VisitCastExpression(CastExpressionSyntax node) => Unsupported(node);
    public override SyntaxNode? VisitElementAccessExpression(ElementAccessExpressionSyntax node) => Unsupported(node);
}
