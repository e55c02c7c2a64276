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
internal sealed class TensorRewriter(ISet<string> writable, ISet<string> readOnly, ISet<string> hoistedBools) : LoopRewriter(hoistedBools)
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

    /// <param name="loop">The step's per-element statements.</param>
    /// <param name="elements">Its elements: those taken by ref (the parameter, its gradient, state buffers) are written in place; the others are read-only.</param>
    /// <param name="hoistedBools">Conditions computed once per tensor.</param>
    public static List<string>? Rewrite(IEnumerable<StatementSyntax> loop, IEnumerable<ElementBinding> elements, ISet<string> hoistedBools) =>
        new TensorRewriter(
            new HashSet<string>(elements.Where(e => e.IsRef).Select(e => e.Name)),
            new HashSet<string>(elements.Where(e => !e.IsRef).Select(e => e.Name)),
            hoistedBools).RewriteAll(loop);

    public override SyntaxNode? VisitAssignmentExpression(AssignmentExpressionSyntax node)
    {
        if (node.Left is not IdentifierNameSyntax target || !InPlace.TryGetValue(node.Kind(), out var method)) return Unsupported(node);
        if (readOnly.Contains(target.Identifier.Text)) return Unsupported(node);
        var value = (ExpressionSyntax)Visit(node.Right)!;
        if (!writable.Contains(target.Identifier.Text)) return node.WithRight(value);   // a local tensor: rebinding is fine
        return InvocationExpression(
            MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, target, IdentifierName(method)),
            ArgumentList(SingletonSeparatedList(Argument(value))));
    }

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node) => MathCall(node, TorchMath, Torch);

    public override SyntaxNode? VisitConditionalExpression(ConditionalExpressionSyntax node)
    {
        if (IsHoistedCondition(node.Condition)) return base.VisitConditionalExpression(node);
        var arguments = new[] { node.Condition, node.WhenTrue, node.WhenFalse }.Select(e => Argument((ExpressionSyntax)Visit(e)!));
        return InvocationExpression(ParseExpression($"{Torch}.where"), ArgumentList(SeparatedList(arguments)));
    }

    public override SyntaxNode? VisitPredefinedType(PredefinedTypeSyntax node) =>
        node.Keyword.IsKind(SyntaxKind.FloatKeyword) ? ParseTypeName($"{Torch}.Tensor").WithTriviaFrom(node) : Unsupported(node);
}
