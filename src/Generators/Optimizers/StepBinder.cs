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
    private readonly Dictionary<string, (string Name, string Type)> _statics;   // qualified expression -> its name and type in the kernel
    private readonly int _depth;
    private readonly bool _export;   // for another assembly: static values stay qualified reads, nothing is hoisted
    private readonly string _prefix;  // the step's, so that its static values have names unique in the kernel

    private StepBinder(Compilation compilation, SemanticModel model, string step, List<DiagnosticInfo> diagnostics, Dictionary<string, (string, string)> statics, int depth, string prefix, bool export = false) =>
        (_compilation, _model, _step, _diagnostics, _statics, _depth, _prefix, _export) = (compilation, model, step, diagnostics, statics, depth, prefix, export);

    /// <summary>
    /// <paramref name="method"/> bound for optimizers in other assemblies, which see only its source (a [StepSource]):
    /// constants as literals, helpers inlined, static values and calls fully qualified. Problems are reported where an
    /// optimizer of this assembly uses the step; here the step is exported as bound as it can be.
    /// </summary>
    public static MethodDeclarationSyntax BindForExport(MethodDeclarationSyntax method, Compilation compilation) =>
        compilation.ContainsSyntaxTree(method.SyntaxTree)
            ? (MethodDeclarationSyntax)new StepBinder(compilation, compilation.GetSemanticModel(method.SyntaxTree), method.Identifier.Text, [], [], 0, "", export: true).Visit(method)!
            : method;

    /// <summary>
    /// <paramref name="method"/> with its names bound, and the static values it reads (their names in the kernel, made
    /// unique with <paramref name="prefix"/>, and fully qualified expressions); the method as it is when its tree is not
    /// in the compilation (a step compiled in another assembly, known by its source only). Problems go to
    /// <paramref name="diagnostics"/>.
    /// </summary>
    public static (MethodDeclarationSyntax Method, IReadOnlyList<StaticValue> Statics) Bind(
        MethodDeclarationSyntax method, Compilation compilation, string step, string prefix, List<DiagnosticInfo> diagnostics)
    {
        if (!compilation.ContainsSyntaxTree(method.SyntaxTree)) return (method, []);
        var binder = new StepBinder(compilation, compilation.GetSemanticModel(method.SyntaxTree), step, diagnostics, [], 0, prefix);
        binder.ReportUnsupportedStatements(method);
        var bound = (MethodDeclarationSyntax)binder.Visit(method)!;
        return (bound, binder._statics.Select(kv => new StaticValue(kv.Value.Name, kv.Key, kv.Value.Type)).ToList());
    }

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

    public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node) => ValueNames.Is(node) ? BindValue(node) ?? node : node;

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
                if (IsWritten(node))
                {
                    Report(node, $"writes the static '{symbol.Name}'; a step writes only its ref parameters (state buffers and per-tensor state)");
                    return null;
                }
                if (Hidden(symbol) is { } hidden)
                {
                    Report(node, $"reads '{symbol.Name}', which the generated optimizer (another class) cannot see: '{hidden.Name}' is {hidden.DeclaredAccessibility.ToString().ToLowerInvariant()}; make it internal or public, or const");
                    return null;
                }
                var qualified = $"{Qualified(symbol.ContainingType)}.{symbol.Name}";
                if (_export) return ParenthesizedExpression(ParseExpression(qualified)).WithTriviaFrom(node);
                if (!_statics.TryGetValue(qualified, out var value))
                    _statics[qualified] = value = ($"__{_prefix}static{_statics.Count}", type.SpecialType switch   // "__": no step local (renamed {prefix}name) can take it
                    {
                        SpecialType.System_Int32 => "int",
                        SpecialType.System_Boolean => "bool",
                        _ => KernelStep.ElementType,   // float and double are read in the kernel's element type
                    });
                return IdentifierName(value.Name).WithTriviaFrom(node);
            case IFieldSymbol or IPropertySymbol:
                Report(node, $"reads the instance member '{symbol.Name}'; a step is static: make the value a hyper-parameter, or static");
                return null;
            default:
                return null;
        }
    }

    // The member itself, or the containing type, that code in another class cannot see; null when all are visible.
    private static ISymbol? Hidden(ISymbol symbol)
    {
        for (ISymbol? s = symbol; s is not null and not INamespaceSymbol; s = s.ContainingType)
            if (s.DeclaredAccessibility is Accessibility.Private or Accessibility.Protected or Accessibility.ProtectedAndInternal) return s;
        return null;
    }

    private static bool IsWritten(ExpressionSyntax node) => node.Parent is { } parent && Writes.Target(parent) == node;

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
        if (IsMath(method.ContainingType) || method.DeclaringSyntaxReferences.Length == 0)
        {
            var visited = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
            visited = Positional(visited, method);
            var type = method.ContainingType;
            // Math calls as the rewriters read them (Math.Sqrt, MathF.Sqrt) however they were written (System.MathF.Sqrt,
            // using static); another call by a simple name (using static, an inherited static) gets its type's name.
            if (IsMath(type)) return visited.WithExpression(ParseExpression($"{type.Name}.{method.Name}").WithTriviaFrom(node.Expression));
            if (node.Expression is not IdentifierNameSyntax) return visited;
            return visited.WithExpression(ParseExpression($"{Qualified(type)}.{method.Name}").WithTriviaFrom(node.Expression));
        }
        return Inline(node, method) ?? node;
    }

    // Named arguments in parameter order, without labels: the double kernel calls Math where the step called MathF, whose
    // parameters have other names (val1, val2), and the tensor path calls torch.
    private static InvocationExpressionSyntax Positional(InvocationExpressionSyntax call, IMethodSymbol method)
    {
        var arguments = call.ArgumentList.Arguments;
        if (arguments.All(a => a.NameColon is null)) return call;
        var byName = new Dictionary<string, ArgumentSyntax>();
        for (int i = 0; i < arguments.Count; i++) byName[arguments[i].NameColon?.Name.Identifier.Text ?? method.Parameters[i].Name] = arguments[i].WithNameColon(null);
        if (method.Parameters.Any(p => !byName.ContainsKey(p.Name))) return call;   // defaults left out: keep the labels
        return call.WithArgumentList(ArgumentList(SeparatedList(method.Parameters.Select(p => byName[p.Name]))));
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
        // Each parameter's argument, positional or named (bound in the caller's tree), converted to the parameter's type as
        // the call would (Inv(2) with a float x divides in float, not in int).
        var arguments = new Dictionary<string, ExpressionSyntax>();
        var given = call.ArgumentList.Arguments;
        for (int i = 0; i < given.Count; i++)
        {
            if (given[i].Expression.DescendantNodesAndSelf().Any(n => Writes.Target(n) is not null))
            {
                Report(given[i], $"passes an argument that changes a value to '{helper.Name}', which is inlined and may use it more than once; change the value in a statement before the call");
                return null;
            }
            var parameter = given[i].NameColon is { } named ? helper.Parameters.First(p => p.Name == named.Name.Identifier.Text) : helper.Parameters[i];
            var argument = (ExpressionSyntax)Visit(given[i].Expression)!;
            if (!SymbolEqualityComparer.Default.Equals(_model.GetTypeInfo(given[i].Expression).Type, parameter.Type))
                argument = CastExpression(ParseTypeName(parameter.Type.ToDisplayString()), ParenthesizedExpression(argument));
            arguments[parameter.Name] = argument;
        }
        var inner = new StepBinder(_compilation, _compilation.GetSemanticModel(body.SyntaxTree), _step, _diagnostics, _statics, _depth + 1, _prefix, _export);
        inner.ReportUnsupportedStatements(body);
        // Bound in the helper's own tree (its constants, statics and nested helpers); its parameters keep their names.
        if (inner.Visit(body) is not ExpressionSyntax bound) return null;
        var parameterNames = helper.Parameters.Select(p => p.Name).ToList();
        var inlined = bound.ReplaceNodes(
            bound.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>().Where(id => parameterNames.Contains(id.Identifier.Text) && ValueNames.Is(id)),
            (original, _) => ParenthesizedExpression(ArgumentFor(original.Identifier.Text, arguments, helper)).WithTriviaFrom(original));
        return ParenthesizedExpression(inlined).WithTriviaFrom(call);
    }

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

/// <summary>A static field or property a step reads: its name in the kernel, its qualified expression, and the type it is read as.</summary>
internal sealed record StaticValue(string Name, string Expression, string Type);
