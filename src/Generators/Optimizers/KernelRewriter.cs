using System.Collections.Generic;
using System.Linq;
using Gen.Generators.Common;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Gen.Generators.Optimizers;

/// <summary>
/// Turns one step's body into fused-kernel code: options become literals, locals get the step's prefix,
/// statements that touch no element run before the loop, and in the others every maximal sub-expression
/// that depends only on hypers, per-tensor state and options is hoisted before the loop.
/// </summary>
internal sealed class KernelRewriter
{
    private readonly string _prefix;
    private readonly ISet<string> _scalars;                    // hypers and per-tensor state: invariant in the loop
    private readonly IReadOnlyDictionary<string, ExpressionSyntax> _options;
    private readonly HashSet<string> _invariantLocals = [];
    private readonly HashSet<string> _perElementLocals = [];
    private readonly HashSet<string> _boolScalars = [];   // static bool values: hoisted as conditions, not numbers
    private readonly List<string> _preLoop = [];
    private readonly List<StatementSyntax> _loop = [];
    private readonly HashSet<string> _hoistedNumbers = [];
    private readonly HashSet<string> _hoistedBools = [];
    private int _hoisted;

    private KernelRewriter(string prefix, ISet<string> scalars, IReadOnlyDictionary<string, ExpressionSyntax> options) =>
        (_prefix, _scalars, _options) = (prefix, scalars, options);

    /// <summary>Splits <paramref name="method"/>'s body; <paramref name="prefix"/> makes its locals unique in the kernel.</summary>
    public static KernelStep Rewrite(string name, MethodDeclarationSyntax method, string prefix, IReadOnlyList<ElementBinding> elements,
                                     ISet<string> scalars, IReadOnlyDictionary<string, ExpressionSyntax> options,
                                     IReadOnlyList<StaticValue> statics)
    {
        // Static values the step reads (see StepBinder) are per-tensor scalars, read once before the loop.
        var rewriter = new KernelRewriter(prefix, new HashSet<string>(scalars.Concat(statics.Select(st => st.Name))), options);
        foreach (var value in statics)
        {
            rewriter._preLoop.Add($"{value.Type} {value.Name} = ({value.Type})({value.Expression});");
            if (value.Type == "bool") rewriter._boolScalars.Add(value.Name);
        }
        method = Comments.Strip(method);   // comments never reach the model: editing one leaves the output cached
        var locals = new HashSet<string>(method.DescendantNodes().OfType<VariableDeclaratorSyntax>().Select(v => v.Identifier.Text));
        var statements = Statements(method).Select(statement => rewriter.Rename(statement, locals)).ToList();
        // A local written after its declaration may take a value per element (k = lr; if (grad > 0) k = 2 * lr;): it is
        // declared in the loop, so that each element starts from its declaration.
        rewriter._perElementLocals.UnionWith(statements.SelectMany(AssignedNames).Intersect(locals.Select(l => prefix + l)));
        foreach (var statement in statements) rewriter.Add(statement);
        var vector = VectorRewriter.Rewrite(rewriter._loop, rewriter._hoistedNumbers, rewriter._hoistedBools);
        var tensor = TensorRewriter.Rewrite(rewriter._loop, elements, rewriter._hoistedBools);
        return new KernelStep(name, elements.ToEquatableArray(), rewriter._preLoop.ToEquatableArray(),
            Text(rewriter._loop, toDouble: false), Text(rewriter._loop, toDouble: true),
            rewriter._hoistedNumbers.OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray(),
            rewriter._hoistedBools.OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray(),
            vector is not null, (vector ?? []).ToEquatableArray(),
            tensor is not null, (tensor ?? []).ToEquatableArray());
    }

    // A final `return;` ends the step, not the kernel's loop: it is dropped (the parser refuses any other return).
    private static IEnumerable<StatementSyntax> Statements(MethodDeclarationSyntax method) =>
        method.ExpressionBody is { } arrow ? [ExpressionStatement(arrow.Expression)]
            : (method.Body?.Statements ?? default).Where(s => s is not ReturnStatementSyntax { Expression: null });

    /// <summary>Options to literals; the step's locals to prefixed names.</summary>
    private StatementSyntax Rename(StatementSyntax statement, ISet<string> locals) =>
        statement.ReplaceSyntax(
            statement.DescendantNodes().OfType<IdentifierNameSyntax>()
                .Where(id => !IsMemberName(id) && (_options.ContainsKey(id.Identifier.Text) || locals.Contains(id.Identifier.Text))),
            (original, _) => _options.TryGetValue(((IdentifierNameSyntax)original).Identifier.Text, out var literal)
                ? ParenthesizedExpression(literal)
                : IdentifierName(_prefix + ((IdentifierNameSyntax)original).Identifier.Text).WithTriviaFrom(original),
            statement.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken) && t.Parent is VariableDeclaratorSyntax),
            (original, _) => Identifier(_prefix + original.Text).WithTriviaFrom(original),
            [], (original, _) => original);

    private static IEnumerable<string> AssignedNames(StatementSyntax statement) =>
        statement.DescendantNodesAndSelf().Select(Writes.Target).OfType<IdentifierNameSyntax>().Select(target => target.Identifier.Text);

    private void Add(StatementSyntax statement)
    {
        bool declaresPerElement = statement.DescendantNodes().OfType<VariableDeclaratorSyntax>().Any(v => _perElementLocals.Contains(v.Identifier.Text))
                                  || AssignedNames(statement).Any(_perElementLocals.Contains);
        if (!declaresPerElement && Variables(statement).All(IsInvariantName))
        {
            _preLoop.Add(Text(statement, toDouble: true));
            foreach (var v in statement.DescendantNodes().OfType<VariableDeclaratorSyntax>()) _invariantLocals.Add(v.Identifier.Text);
            return;
        }
        var invariant = new Dictionary<ExpressionSyntax, bool>();
        // Every maximal invariant value but a literal leaves the loop, so the loop sees only element-typed values.
        var maximal = statement.DescendantNodes(n => !(n is ExpressionSyntax e && IsInvariant(e, invariant)))
            .OfType<ExpressionSyntax>()
            .Where(e => IsInvariant(e, invariant) && !IsLiteral(e) && e is not MemberAccessExpressionSyntax)
            .ToList();
        var names = new Dictionary<ExpressionSyntax, string>();
        foreach (var e in maximal)
        {
            var name = $"__{_prefix}h{_hoisted++}";   // "__": no step local (renamed {_prefix}name) can take it
            names[e] = name;
            var expression = ((ExpressionSyntax)new ToDouble().Visit(e.WithoutTrivia())!).NormalizeWhitespace().ToFullString();
            const string T = KernelStep.ElementType;
            bool isBool = IsBool(e);
            (isBool ? _hoistedBools : _hoistedNumbers).Add(name);
            _preLoop.Add(isBool ? $"bool {name} = {expression};" : $"{T} {name} = ({T})({expression});");
        }
        _loop.Add(statement.ReplaceNodes(maximal, (original, _) => IdentifierName(names[original]).WithTriviaFrom(original)));
    }

    private bool IsInvariantName(string name) => _scalars.Contains(name) || _invariantLocals.Contains(name);

    /// <summary>Identifiers used as values (not type or member names).</summary>
    private static IEnumerable<string> Variables(SyntaxNode node) =>
        node.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Where(id => !IsMemberName(id)).Select(id => id.Identifier.Text);

    // Not a value, or the class of a member (MathF in MathF.Sqrt): never an option or a step's local.
    private static bool IsMemberName(IdentifierNameSyntax id) => id.Parent is MemberAccessExpressionSyntax || !ValueNames.Is(id);

    /// <summary>Pure and made only of literals, hypers, per-tensor state and invariant locals.</summary>
    private bool IsInvariant(ExpressionSyntax e, Dictionary<ExpressionSyntax, bool> memo)
    {
        if (memo.TryGetValue(e, out var known)) return known;
        bool result = e switch
        {
            LiteralExpressionSyntax => true,
            IdentifierNameSyntax id => IsInvariantName(id.Identifier.Text),
            ParenthesizedExpressionSyntax p => IsInvariant(p.Expression, memo),
            CastExpressionSyntax c => IsInvariant(c.Expression, memo),
            PrefixUnaryExpressionSyntax u => u.Kind() is SyntaxKind.UnaryMinusExpression or SyntaxKind.UnaryPlusExpression or SyntaxKind.LogicalNotExpression && IsInvariant(u.Operand, memo),
            BinaryExpressionSyntax b => IsInvariant(b.Left, memo) && IsInvariant(b.Right, memo),
            ConditionalExpressionSyntax c => IsInvariant(c.Condition, memo) && IsInvariant(c.WhenTrue, memo) && IsInvariant(c.WhenFalse, memo),
            InvocationExpressionSyntax call => call.Expression is MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax }
                                               && call.ArgumentList.Arguments.All(a => a.RefKindKeyword.IsKind(SyntaxKind.None) && IsInvariant(a.Expression, memo)),
            _ => false,
        };
        memo[e] = result;
        return result;
    }

    private static bool IsLiteral(ExpressionSyntax e) => e is LiteralExpressionSyntax || e is ParenthesizedExpressionSyntax p && IsLiteral(p.Expression);

    /// <summary>Whether an invariant expression is a condition (kept as bool) rather than a number.</summary>
    private bool IsBool(ExpressionSyntax e) => e switch
    {
        IdentifierNameSyntax id => _boolScalars.Contains(id.Identifier.Text),
        ParenthesizedExpressionSyntax p => IsBool(p.Expression),
        LiteralExpressionSyntax l => l.IsKind(SyntaxKind.TrueLiteralExpression) || l.IsKind(SyntaxKind.FalseLiteralExpression),
        PrefixUnaryExpressionSyntax u => u.IsKind(SyntaxKind.LogicalNotExpression),
        BinaryExpressionSyntax b => b.Kind() is SyntaxKind.EqualsExpression or SyntaxKind.NotEqualsExpression or SyntaxKind.LessThanExpression
            or SyntaxKind.LessThanOrEqualExpression or SyntaxKind.GreaterThanExpression or SyntaxKind.GreaterThanOrEqualExpression
            or SyntaxKind.LogicalAndExpression or SyntaxKind.LogicalOrExpression,
        _ => false,
    };

    private static EquatableArray<string> Text(IEnumerable<StatementSyntax> statements, bool toDouble) =>
        statements.Select(s => Text(s, toDouble)).ToEquatableArray();

    private static string Text(StatementSyntax statement, bool toDouble) =>
        ((StatementSyntax)(toDouble ? new ToDouble() : new QualifyMath()).Visit(statement)).NormalizeWhitespace().ToFullString();

    /// <summary>Qualifies Math and MathF: generated files have no usings.</summary>
    private class QualifyMath : CSharpSyntaxRewriter
    {
        protected virtual string Rename(string mathClass) => mathClass;

        public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node) =>
            node.Identifier.Text is "Math" or "MathF" ? ParseExpression($"global::System.{Rename(node.Identifier.Text)}").WithTriviaFrom(node) : node;
    }

    /// <summary>Rewrites float code as double: the float type, MathF, and float literals.</summary>
    private sealed class ToDouble : QualifyMath
    {
        protected override string Rename(string mathClass) => "Math";

        public override SyntaxNode? VisitPredefinedType(PredefinedTypeSyntax node) =>
            node.Keyword.IsKind(SyntaxKind.FloatKeyword) ? PredefinedType(Token(SyntaxKind.DoubleKeyword)).WithTriviaFrom(node) : node;

        public override SyntaxNode? VisitLiteralExpression(LiteralExpressionSyntax node) => AsDouble(node);
    }

    /// <summary>A float literal as the double literal of the same text (<c>0.1f</c> -> <c>0.1d</c>); any other literal as it is.</summary>
    internal static LiteralExpressionSyntax AsDouble(LiteralExpressionSyntax node)
    {
        if (!node.IsKind(SyntaxKind.NumericLiteralExpression) || node.Token.Value is not float) return node;
        var text = node.Token.Text.TrimEnd('f', 'F');
        return LiteralExpression(SyntaxKind.NumericLiteralExpression, Literal(text + "d", double.Parse(text, System.Globalization.CultureInfo.InvariantCulture))).WithTriviaFrom(node);
    }
}
