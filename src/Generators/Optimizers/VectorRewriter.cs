using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Gen.Generators.Optimizers;

/// <summary>
/// Rewrites a step's per-element statements for <c>System.Numerics.Vector&lt;T&gt;</c>: numbers and hoisted
/// values become broadcast vectors, Sqrt/Abs/Min/Max their vector forms. Anything else that depends on
/// the element (a comparison, another call, a cast) leaves the step scalar: <see cref="Rewrite"/> returns null.
/// </summary>
internal sealed class VectorRewriter(ISet<string> hoistedNumbers, ISet<string> hoistedBools) : LoopRewriter(hoistedBools)
{
    /// <summary>Stands for <c>Vector&lt;T&gt;</c> in the text, as <see cref="KernelStep.ElementType"/> stands for T.</summary>
    public const string VectorType = "__V";

    private static readonly Dictionary<string, string> VectorMath = new()
    {
        ["Sqrt"] = "SquareRoot", ["Abs"] = "Abs", ["Max"] = "Max", ["Min"] = "Min",
    };

    /// <summary>The name of the broadcast vector of a hoisted value.</summary>
    public static string Broadcast(string hoisted) => hoisted + "_v";

    public static List<string>? Rewrite(IEnumerable<StatementSyntax> loop, ISet<string> hoistedNumbers, ISet<string> hoistedBools) =>
        new VectorRewriter(hoistedNumbers, hoistedBools).RewriteAll(loop);

    /// <summary>A number broadcast in the element type, from its double form: (float)0.1d is 0.1f, and the double kernel gets 0.1d, as its scalar loop does.</summary>
    public override SyntaxNode? VisitLiteralExpression(LiteralExpressionSyntax node) =>
        node.IsKind(SyntaxKind.NumericLiteralExpression)
            ? ParseExpression($"new {VectorType}(({KernelStep.ElementType})({KernelRewriter.AsDouble(node).Token.Text}))")
            : node;

    public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node) =>
        hoistedNumbers.Contains(node.Identifier.Text) ? IdentifierName(Broadcast(node.Identifier.Text)).WithTriviaFrom(node) : node;

    public override SyntaxNode? VisitPredefinedType(PredefinedTypeSyntax node) =>
        node.Keyword.IsKind(SyntaxKind.FloatKeyword) ? IdentifierName(VectorType).WithTriviaFrom(node) : Unsupported(node);

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node) =>
        MathCall(node, VectorMath, "global::System.Numerics.Vector");

    public override SyntaxNode? VisitBinaryExpression(BinaryExpressionSyntax node) =>
        node.Kind() is SyntaxKind.AddExpression or SyntaxKind.SubtractExpression or SyntaxKind.MultiplyExpression or SyntaxKind.DivideExpression
            ? base.VisitBinaryExpression(node) : Unsupported(node);

    public override SyntaxNode? VisitPrefixUnaryExpression(PrefixUnaryExpressionSyntax node) =>
        node.Kind() is SyntaxKind.UnaryMinusExpression or SyntaxKind.UnaryPlusExpression ? base.VisitPrefixUnaryExpression(node) : Unsupported(node);

    public override SyntaxNode? VisitConditionalExpression(ConditionalExpressionSyntax node) =>
        IsHoistedCondition(node.Condition) ? base.VisitConditionalExpression(node) : Unsupported(node);

    public override SyntaxNode? VisitMemberAccessExpression(MemberAccessExpressionSyntax node) => Unsupported(node);
}
