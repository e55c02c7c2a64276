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
/// <c>s = e</c> -> <c>s.copy_(e)</c>; scaled sums and moving averages fuse, see <see cref="FusedUpdate"/>),
/// Math calls become torch functions, element-dependent conditionals
/// <c>torch.where</c>. An operation on a temporary the statement itself made updates it in place
/// (<c>a * b + c</c> -> <c>(a * b).add_(c)</c>): the same arithmetic, one allocation fewer, which on large
/// buffers is most of the cost. Anything else leaves the step without a tensor form: <see cref="Rewrite"/> returns null.
/// </summary>
internal sealed class TensorRewriter(ISet<string> writable, ISet<string> readOnly, ISet<string> hoistedBools) : LoopRewriter(hoistedBools)
{
    private const string Torch = "global::TorchSharp.torch";

    private static readonly Dictionary<string, string> TorchMath = new()
    {
        ["Sqrt"] = "sqrt", ["Abs"] = "abs", ["Exp"] = "exp", ["Log"] = "log", ["Max"] = "maximum", ["Min"] = "minimum",
    };

    private static readonly Dictionary<string, string> ScalarMath = new[] { "Sqrt", "Abs", "Exp", "Log", "Max", "Min", "Pow" }.ToDictionary(m => m, m => m);

    private static readonly Dictionary<SyntaxKind, string> InPlace = new()
    {
        [SyntaxKind.SimpleAssignmentExpression] = "copy_", [SyntaxKind.AddAssignmentExpression] = "add_",
        [SyntaxKind.SubtractAssignmentExpression] = "sub_", [SyntaxKind.MultiplyAssignmentExpression] = "mul_",
        [SyntaxKind.DivideAssignmentExpression] = "div_",
    };

    /// <summary>Marks a tensor expression that is a new temporary, which its consumer may update in place.</summary>
    private static readonly SyntaxAnnotation Fresh = new("fresh");

    private static readonly Dictionary<SyntaxKind, string> InPlaceBinary = new()
    {
        [SyntaxKind.AddExpression] = "add_", [SyntaxKind.SubtractExpression] = "sub_",
        [SyntaxKind.MultiplyExpression] = "mul_", [SyntaxKind.DivideExpression] = "div_",
    };

    private readonly HashSet<string> _tensorLocals = [];   // locals initialised from elements

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
        if (!writable.Contains(target.Identifier.Text)) return node.WithRight(Owned(node.Right));   // a local tensor: rebinding is fine
        // The update's value is the element itself, not a temporary: an enclosing op must not update it in place.
        return (FusedUpdate(node, target) ?? Call(target, method, (ExpressionSyntax)Visit(node.Right)!)).WithoutAnnotations(Fresh);
    }

    /// <summary>
    /// An update of element <paramref name="target"/> as fused in-place ops, each one pass over memory:
    /// <c>t += k * u</c> -> <c>t.add_(u, alpha: k)</c>, <c>t += k * (u * v)</c> -> <c>t.addcmul_(u, v, value: k)</c>,
    /// <c>t += k * (u / v)</c> -> <c>t.addcdiv_(u, v, value: k)</c> (<c>-=</c> with -k), and the moving average
    /// <c>t = t * a + r</c> -> <c>t.mul_(a)</c> then <c>+= r</c> when r does not read t. Null: no such form.
    /// libtorch evaluates these in its own order (k times u first; <c>t + k * u</c> as one fused multiply-add), so
    /// the two backends agree to rounding in float64 (about 1e-15), not bit for bit.
    /// </summary>
    private ExpressionSyntax? FusedUpdate(AssignmentExpressionSyntax node, IdentifierNameSyntax target)
    {
        var right = Strip(node.Right);
        switch (node.Kind())
        {
            case SyntaxKind.AddAssignmentExpression: return Accumulate(target, right, negate: false);
            case SyntaxKind.SubtractAssignmentExpression: return Accumulate(target, right, negate: true);
            case SyntaxKind.SimpleAssignmentExpression when right is BinaryExpressionSyntax sum && sum.IsKind(SyntaxKind.AddExpression):
                foreach (var (scaled, addend) in new[] { (sum.Left, sum.Right), (sum.Right, sum.Left) })
                    if (Scaling(scaled) is var (scale, scaledTensor) && Strip(scaledTensor) is IdentifierNameSyntax same
                        && same.Identifier.Text == target.Identifier.Text && !Mentions(addend, target))
                        return Accumulate(Call(target, "mul_", scale), Strip(addend), negate: false);
                return null;
            default: return null;
        }
    }

    /// <summary><paramref name="receiver"/> plus (or minus) <paramref name="addend"/>, in place, in the fewest passes.</summary>
    private ExpressionSyntax Accumulate(ExpressionSyntax receiver, ExpressionSyntax addend, bool negate)
    {
        if (Scaling(addend) is var (scale, tensor))
        {
            var k = negate ? PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression, ParenthesizedExpression(scale)) : scale;
            tensor = Strip(tensor);
            if (tensor is BinaryExpressionSyntax pair && IsTensor(pair.Left) && IsTensor(pair.Right)
                && pair.Kind() is SyntaxKind.MultiplyExpression or SyntaxKind.DivideExpression)
                return Call(receiver, pair.IsKind(SyntaxKind.MultiplyExpression) ? "addcmul_" : "addcdiv_",
                    [Argument(Tensor(pair.Left)), Argument(Tensor(pair.Right)), Named("value", k)]);
            return Call(receiver, "add_", [Argument(Tensor(tensor)), Named("alpha", k)]);
        }
        return Call(receiver, negate ? "sub_" : "add_", (ExpressionSyntax)Visit(addend)!);
    }

    /// <summary><c>k * u</c> or <c>u * k</c> with k a scalar (hyper arithmetic) and u a tensor: (k, u) as written.</summary>
    private (ExpressionSyntax Scale, ExpressionSyntax Tensor)? Scaling(ExpressionSyntax e)
    {
        if (Strip(e) is not BinaryExpressionSyntax product || !product.IsKind(SyntaxKind.MultiplyExpression)) return null;
        if (!IsTensor(product.Left) && IsTensor(product.Right)) return ((ExpressionSyntax)Visit(product.Left)!, product.Right);
        if (IsTensor(product.Left) && !IsTensor(product.Right)) return ((ExpressionSyntax)Visit(product.Right)!, product.Left);
        return null;
    }

    private ExpressionSyntax Tensor(ExpressionSyntax e) => ((ExpressionSyntax)Visit(e)!).WithoutAnnotations(Fresh);

    private static ArgumentSyntax Named(string name, ExpressionSyntax value) => Argument(NameColon(IdentifierName(name)), default, value);

    private static bool Mentions(ExpressionSyntax e, IdentifierNameSyntax name) =>
        e.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(id => id.Identifier.Text == name.Identifier.Text);

    private static ExpressionSyntax Strip(ExpressionSyntax e) => e is ParenthesizedExpressionSyntax p ? Strip(p.Expression) : e;

    /// <summary>A local declared float is a tensor (whatever its initializer), as is a <c>var</c> initialised from elements.</summary>
    public override SyntaxNode? VisitVariableDeclarator(VariableDeclaratorSyntax node)
    {
        bool declaredFloat = node.Parent is VariableDeclarationSyntax { Type: PredefinedTypeSyntax type } && type.Keyword.IsKind(SyntaxKind.FloatKeyword);
        if (node.Initializer is not { } initializer) return base.VisitVariableDeclarator(node);
        bool fromElements = IsTensor(initializer.Value);
        if (declaredFloat || fromElements) _tensorLocals.Add(node.Identifier.Text);
        return fromElements ? node.WithInitializer(initializer.WithValue(Owned(initializer.Value))) : base.VisitVariableDeclarator(node);
    }

    /// <summary>
    /// A tensor value a local can keep: a temporary as it is, an element or another local copied (<c>clone()</c>),
    /// since a per-element local is a copy, and a later in-place update of the element must not change it.
    /// </summary>
    private ExpressionSyntax Owned(ExpressionSyntax original)
    {
        var value = (ExpressionSyntax)Visit(original)!;
        if (!IsTensor(original) || value.HasAnnotation(Fresh)) return value.WithoutAnnotations(Fresh);
        return InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Parenthesize(value), IdentifierName("clone")));
    }

    /// <summary>A fresh call needs no parentheses; a fresh operator expression keeps them (precedence) and stays fresh.</summary>
    public override SyntaxNode? VisitParenthesizedExpression(ParenthesizedExpressionSyntax node)
    {
        var inner = (ExpressionSyntax)Visit(node.Expression)!;
        if (!inner.HasAnnotation(Fresh)) return node.WithExpression(inner);
        return inner is InvocationExpressionSyntax ? inner : node.WithExpression(inner.WithoutAnnotations(Fresh)).WithAdditionalAnnotations(Fresh);
    }

    /// <summary>Float literals in double, as the double kernel has them (the tensor path's scalars are doubles).</summary>
    public override SyntaxNode? VisitLiteralExpression(LiteralExpressionSyntax node) => KernelRewriter.AsDouble(node);

    /// <summary>Updates a fresh operand in place: the left one for any operator, the right one when the operator commutes (exactly, in IEEE arithmetic).</summary>
    public override SyntaxNode? VisitBinaryExpression(BinaryExpressionSyntax node)
    {
        var left = (ExpressionSyntax)Visit(node.Left)!;
        var right = (ExpressionSyntax)Visit(node.Right)!;
        if (InPlaceBinary.TryGetValue(node.Kind(), out var method))
        {
            if (left.HasAnnotation(Fresh)) return Call(left, method, right);
            if (right.HasAnnotation(Fresh) && node.Kind() is SyntaxKind.AddExpression or SyntaxKind.MultiplyExpression) return Call(right, method, left);
        }
        var result = node.Update(left, node.OperatorToken, right);
        return IsTensor(node.Left) || IsTensor(node.Right) ? result.WithAdditionalAnnotations(Fresh) : result;
    }

    /// <summary>Math on elements as torch functions (in place on a fresh temporary); Math on scalars stays double arithmetic.</summary>
    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        if (!node.ArgumentList.Arguments.Any(a => IsTensor(a.Expression))) return MathCall(node, ScalarMath, "global::System.Math");
        var call = MathCall(node, TorchMath, Torch);
        if (call is not InvocationExpressionSyntax torchCall || call == node) return call;
        var only = torchCall.ArgumentList.Arguments.Count == 1 ? torchCall.ArgumentList.Arguments[0] : null;
        if (only is not null && only.Expression.HasAnnotation(Fresh) && torchCall.Expression is MemberAccessExpressionSyntax { Name.Identifier.Text: "sqrt" or "abs" or "exp" or "log" } function)
            return Call(only.Expression, function.Name.Identifier.Text + "_");
        return torchCall.WithAdditionalAnnotations(Fresh);
    }

    private static ExpressionSyntax Call(ExpressionSyntax target, string method, params ExpressionSyntax[] arguments) =>
        Call(target, method, arguments.Select(a => Argument(a.WithoutAnnotations(Fresh))).ToArray());

    private static ExpressionSyntax Call(ExpressionSyntax target, string method, ArgumentSyntax[] arguments) =>
        InvocationExpression(MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Parenthesize(target), IdentifierName(method)),
            ArgumentList(SeparatedList(arguments)))
            .WithAdditionalAnnotations(Fresh);

    private static ExpressionSyntax Parenthesize(ExpressionSyntax e) =>
        e is IdentifierNameSyntax or InvocationExpressionSyntax or MemberAccessExpressionSyntax or ParenthesizedExpressionSyntax
            ? e.WithoutAnnotations(Fresh) : ParenthesizedExpression(e.WithoutAnnotations(Fresh));

    /// <summary>Whether an (original) expression depends on an element, so evaluates to a tensor.</summary>
    private bool IsTensor(ExpressionSyntax e) =>
        e.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Any(id => writable.Contains(id.Identifier.Text) || readOnly.Contains(id.Identifier.Text) || _tensorLocals.Contains(id.Identifier.Text));

    public override SyntaxNode? VisitConditionalExpression(ConditionalExpressionSyntax node)
    {
        if (IsHoistedCondition(node.Condition)) return base.VisitConditionalExpression(node);
        var arguments = new[] { node.Condition, node.WhenTrue, node.WhenFalse }.Select(e => Argument((ExpressionSyntax)Visit(e)!));
        return InvocationExpression(ParseExpression($"{Torch}.where"), ArgumentList(SeparatedList(arguments))).WithAdditionalAnnotations(Fresh);
    }

    public override SyntaxNode? VisitPredefinedType(PredefinedTypeSyntax node) =>
        node.Keyword.IsKind(SyntaxKind.FloatKeyword) ? ParseTypeName($"{Torch}.Tensor").WithTriviaFrom(node) : Unsupported(node);
}
