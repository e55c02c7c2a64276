using System.Collections.Generic;
using System.Linq;
using Gen.Generators.Common;
using Gen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace Gen.Generators.Optimizers;

/// <summary>
/// Binds a step's names with the semantic model before the syntax rewriters see it, so that they keep their meaning in
/// generated code (which lives in another class and has no usings): a constant becomes its literal; a static field or
/// property becomes a per-tensor value read once before the loop (<see cref="Statics"/>); a call to an expression-bodied
/// static helper in the compilation becomes the helper's body with the arguments substituted (and bound in turn); calls
/// to methods of other assemblies are fully qualified. What a fused kernel cannot take (loops, instance members,
/// ref/out locals, helpers with statement bodies, private static state) is reported at its node as GEN0018.
/// </summary>
internal sealed class StepBinder : CSharpSyntaxRewriter
{
    private const int MaxInlineDepth = 8;

    private readonly Compilation _compilation;
    private readonly SemanticModel _model;
    private readonly string _step;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly Dictionary<string, string> _statics;   // qualified expression -> its name in the kernel
    private readonly int _depth;

    private StepBinder(Compilation compilation, SemanticModel model, string step, List<DiagnosticInfo> diagnostics, Dictionary<string, string> statics, int depth) =>
        (_compilation, _model, _step, _diagnostics, _statics, _depth) = (compilation, model, step, diagnostics, statics, depth);

    /// <summary>
    /// <paramref name="method"/> with its names bound, and the static values it reads (their names in the kernel, made
    /// unique with <paramref name="prefix"/>, and fully qualified expressions); the method as it is when its tree is not
    /// in the compilation (a step compiled in another assembly, known by its source only). Problems go to
    /// <paramref name="diagnostics"/>.
    /// </summary>
    public static (MethodDeclarationSyntax Method, IReadOnlyList<(string Name, string Expression)> Statics) Bind(
        MethodDeclarationSyntax method, Compilation compilation, string step, string prefix, List<DiagnosticInfo> diagnostics)
    {
        if (!compilation.ContainsSyntaxTree(method.SyntaxTree)) return (method, []);
        var binder = new StepBinder(compilation, compilation.GetSemanticModel(method.SyntaxTree), step, diagnostics, [], 0);
        binder.ReportUnsupportedStatements(method);
        var bound = (MethodDeclarationSyntax)binder.Visit(method)!;
        if (binder._statics.Count == 0) return (bound, []);
        var names = binder._statics.Values.ToDictionary(v => v, v => prefix + v);
        return (Rename(bound, names), binder._statics.Select(kv => (names[kv.Value], kv.Key)).ToList());
    }

    private static MethodDeclarationSyntax Rename(MethodDeclarationSyntax method, Dictionary<string, string> names) =>
        method.ReplaceNodes(method.DescendantNodes().OfType<IdentifierNameSyntax>().Where(id => names.ContainsKey(id.Identifier.Text)),
            (original, _) => IdentifierName(names[original.Identifier.Text]).WithTriviaFrom(original));

    private void ReportUnsupportedStatements(SyntaxNode body)
    {
        foreach (var node in body.DescendantNodes())
        {
            string? what = node switch
            {
                ForStatementSyntax or ForEachStatementSyntax or WhileStatementSyntax or DoStatementSyntax =>
                    "has a loop; a step is the body of the kernel's loop over elements: write it for one element",
                LocalFunctionStatementSyntax => "declares a local function; write it as a static helper (static float F(float x) => ...) beside the step",
                AnonymousFunctionExpressionSyntax => "has a lambda; write it as a static helper (static float F(float x) => ...) beside the step",
                RefExpressionSyntax => "takes a ref to a value; use the value, or make it a ref parameter of the step",
                ArgumentSyntax { RefKindKeyword.RawKind: (int)SyntaxKind.OutKeyword } => "has an out argument; the kernel has no out locals",
                ArgumentSyntax { RefKindKeyword.RawKind: (int)SyntaxKind.RefKeyword or (int)SyntaxKind.InKeyword } =>
                    "passes an argument by reference; helpers are inlined and take values",
                TryStatementSyntax or ThrowStatementSyntax or ThrowExpressionSyntax => "throws or catches; a kernel step cannot",
                GotoStatementSyntax or LabeledStatementSyntax => "uses goto",
                _ => null,
            };
            if (what is not null) Report(node, what);
        }
    }

    private void Report(SyntaxNode node, string what) =>
        _diagnostics.Add(DiagnosticInfo.Create(Descriptors.UnsupportedInStep, LocationInfo.From(node.GetLocation()), _step, what));

    public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node) =>
        node.Parent is MemberAccessExpressionSyntax access && access.Name == node ? node : BindValue(node) ?? node;

    public override SyntaxNode? VisitMemberAccessExpression(MemberAccessExpressionSyntax node)
    {
        int reported = _diagnostics.Count;
        if (BindValue(node) is { } bound) return bound;
        if (_diagnostics.Count > reported) return node;   // one diagnostic per construct: not again for its parts
        if (_model.GetSymbolInfo(node.Expression).Symbol is INamedTypeSymbol type && !IsMath(type))
            return node.WithExpression(ParseExpression(Qualified(type)).WithTriviaFrom(node.Expression));
        return base.VisitMemberAccessExpression(node);
    }

    /// <summary>A constant's literal, a static value's kernel name, or null when <paramref name="node"/> is not a field or property.</summary>
    private ExpressionSyntax? BindValue(ExpressionSyntax node)
    {
        var symbol = _model.GetSymbolInfo(node).Symbol;
        switch (symbol)
        {
            case IFieldSymbol { IsConst: true } constant:
                return ParenthesizedExpression(Literals.Of(constant.ConstantValue)).WithTriviaFrom(node);
            case IFieldSymbol { IsStatic: true } or IPropertySymbol { IsStatic: true }:
                var type = symbol is IFieldSymbol field ? field.Type : ((IPropertySymbol)symbol).Type;
                if (type.SpecialType is not (SpecialType.System_Single or SpecialType.System_Double or SpecialType.System_Int32 or SpecialType.System_Boolean))
                {
                    Report(node, $"reads '{symbol.Name}' of type {type.ToDisplayString()}; a step reads numbers and booleans");
                    return null;
                }
                if (symbol.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal)
                {
                    Report(node, $"reads the {symbol.DeclaredAccessibility.ToString().ToLowerInvariant()} member '{symbol.Name}', which the generated optimizer (another class) cannot see; make it internal or public, or const");
                    return null;
                }
                var qualified = $"{Qualified(symbol.ContainingType)}.{symbol.Name}";
                if (!_statics.TryGetValue(qualified, out var name)) _statics[qualified] = name = $"static{_statics.Count}";
                return IdentifierName(name).WithTriviaFrom(node);
            case IFieldSymbol or IPropertySymbol:
                Report(node, $"reads the instance member '{symbol.Name}'; a step is static: make the value a hyper-parameter, or static");
                return null;
            default:
                return null;
        }
    }

    public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
    {
        if (_model.GetSymbolInfo(node).Symbol is not IMethodSymbol method) return base.VisitInvocationExpression(node);
        if (method.MethodKind == MethodKind.DelegateInvoke || node.ArgumentList.Arguments.Any(a => !a.RefKindKeyword.IsKind(SyntaxKind.None)))
            return node;   // the lambda or the by-reference argument is reported where it is
        if (!method.IsStatic)
        {
            Report(node, $"calls the instance method '{method.Name}'; a step can call static methods only");
            return node;
        }
        if (IsMath(method.ContainingType) || method.DeclaringSyntaxReferences.Length == 0) return base.VisitInvocationExpression(node);
        return Inline(node, method) ?? node;
    }

    /// <summary>The helper's body, bound in its own tree, with the (bound) arguments in place of its parameters.</summary>
    private ExpressionSyntax? Inline(InvocationExpressionSyntax call, IMethodSymbol helper)
    {
        var declaration = helper.DeclaringSyntaxReferences[0].GetSyntax() as MethodDeclarationSyntax;
        var body = declaration?.ExpressionBody?.Expression
                   ?? (declaration?.Body?.Statements is { Count: 1 } statements && statements[0] is ReturnStatementSyntax { Expression: { } returned } ? returned : null);
        if (body is null || helper.ReturnsVoid || helper.Parameters.Any(p => p.RefKind != RefKind.None || p.IsParams) || helper.IsGenericMethod)
        {
            Report(call, $"calls '{helper.Name}', which is not an expression-bodied static helper ('static float {helper.Name}(float x) => ...'); the kernel inlines helpers, so write it as one expression");
            return null;
        }
        if (_depth >= MaxInlineDepth)
        {
            Report(call, $"calls '{helper.Name}' through more than {MaxInlineDepth} nested helpers (recursion?); the kernel inlines helpers");
            return null;
        }
        // Each parameter's argument, positional or named (bound in the caller's tree).
        var arguments = new Dictionary<string, ExpressionSyntax>();
        var given = call.ArgumentList.Arguments;
        for (int i = 0; i < given.Count; i++)
            arguments[given[i].NameColon?.Name.Identifier.Text ?? helper.Parameters[i].Name] = (ExpressionSyntax)Visit(given[i].Expression)!;
        var inner = new StepBinder(_compilation, _compilation.GetSemanticModel(body.SyntaxTree), _step, _diagnostics, _statics, _depth + 1);
        inner.ReportUnsupportedStatements(body);
        // Bound in the helper's own tree (its constants, statics and nested helpers); its parameters keep their names.
        if (inner.Visit(body) is not ExpressionSyntax bound) return null;
        var parameterNames = helper.Parameters.Select(p => p.Name).ToList();
        var inlined = bound.ReplaceNodes(
            bound.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Where(id => parameterNames.Contains(id.Identifier.Text) && IsValueName(id)),
            (original, _) => ParenthesizedExpression(ArgumentFor(original.Identifier.Text, arguments, helper)).WithTriviaFrom(original));
        return ParenthesizedExpression(inlined).WithTriviaFrom(call);
    }

    // A name used as a value (x in F(x) => x * 2), not as a member or method name (Sqrt in MathF.Sqrt(x)).
    private static bool IsValueName(IdentifierNameSyntax id) =>
        !(id.Parent is MemberAccessExpressionSyntax access && access.Name == id) && !(id.Parent is InvocationExpressionSyntax call && call.Expression == id);

    // The argument given for a parameter, else its default value.
    private static ExpressionSyntax ArgumentFor(string parameter, Dictionary<string, ExpressionSyntax> arguments, IMethodSymbol helper)
    {
        if (arguments.TryGetValue(parameter, out var argument)) return argument;
        var p = helper.Parameters.First(q => q.Name == parameter);
        return p.HasExplicitDefaultValue ? Literals.Of(p.ExplicitDefaultValue) : DefaultExpression(ParseTypeName(p.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)));
    }

    private static bool IsMath(INamedTypeSymbol type) => type.ToDisplayString() is "System.Math" or "System.MathF";

    private static string Qualified(INamedTypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
}
