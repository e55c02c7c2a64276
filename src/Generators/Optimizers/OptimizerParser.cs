using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Gen.Generators.Common;
using Gen.Generators.Diagnostics;
using Gen.Ordering;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Gen.Generators.Optimizers;

/// <summary>Reads an [Optimizer] class: resolves its steps, binds every parameter name to one role, and splits each step for the kernel.</summary>
internal static class OptimizerParser
{
    private const string StepAttribute = "Gen.StepAttribute";
    private const string TensorStepAttribute = "Gen.TensorStepAttribute";
    private const string HyperAttribute = "Gen.HyperAttribute";

    /// <summary>A resolved entry: an elementwise step has its syntax (to fuse); a tensor step its method (to call).</summary>
    private sealed record ResolvedStep(string Name, MethodDeclarationSyntax? Syntax, IMethodSymbol Method, List<DeclaredParameter> Parameters,
                                       Dictionary<string, ExpressionSyntax> Options, IReadOnlyList<StaticValue> Statics);

    public static OptimizerParse Parse(INamedTypeSymbol optimizer, AttributeData attribute, Compilation compilation, CancellationToken ct)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var location = LocationInfo.From(attribute.ApplicationSyntaxReference);
        var notPartial = TypeDeclaration.FirstNotPartial(optimizer);
        if (notPartial is not null)
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NotPartial, LocationInfo.From(notPartial.Locations.FirstOrDefault()), notPartial.Name, "optimizer"));

        var stepsType = attribute.ConstructorArguments.ElementAtOrDefault(0).Value as INamedTypeSymbol;
        var entries = attribute.ConstructorArguments.ElementAtOrDefault(1) is { Kind: TypedConstantKind.Array } list
            ? list.Values.Select(v => v.Value as string ?? "").ToList() : [];
        var steps = stepsType is null ? [] : entries.Select((e, k) => Resolve(stepsType, e, $"s{k}_", compilation, location, diagnostics)).ToList();
        ct.ThrowIfCancellationRequested();
        if (diagnostics.Count > 0 || steps.Any(s => s is null))
            return new OptimizerParse(null, diagnostics.ToEquatableArray());

        var resolved = steps.Select(s => s!).ToList();
        var elementNames = new HashSet<string>(resolved.SelectMany(s => s.Parameters).Where(p => p.Role == Role.Element).Select(p => p.Name));
        Role Effective(DeclaredParameter p) => p.Role == Role.Hyper && elementNames.Contains(p.Name) ? Role.Element : p.Role;
        CheckBindings(resolved, Effective, location, diagnostics);

        var hypers = Hypers(optimizer, resolved, Effective, location, diagnostics);
        if (diagnostics.Count > 0) return new OptimizerParse(null, diagnostics.ToEquatableArray());

        var perTensor = resolved.SelectMany(s => s.Parameters).Where(p => p.Role == Role.PerTensor)
            .GroupBy(p => p.Name).Select(g => new PerTensorState(g.Key, g.First().Type == SpecialType.System_Double)).ToList();
        var units = resolved.Select((s, k) => s.Syntax is null
            ? new StepUnit(s.Name, null, new TensorStepCall(Symbols.FullName(s.Method.ContainingType) + "." + s.Method.Name,
                s.Parameters.Select(p => new CallArgument(p.Name, Effective(p), p.Role == Role.PerTensor && p.IsRef,
                    p.Role == Role.Option ? s.Options[p.Name].ToFullString() : null)).ToEquatableArray()))
            : new StepUnit(s.Name, KernelRewriter.Rewrite(
                s.Name, s.Syntax, $"s{k}_",
                s.Parameters.Where(p => Effective(p) is Role.Param or Role.Grad or Role.Element).Select(p => new ElementBinding(p.Name, p.IsRef)).ToList(),
                new HashSet<string>(s.Parameters.Where(p => Effective(p) is Role.Hyper or Role.PerTensor).Select(p => p.Name)),
                s.Options, s.Statics), null)).ToList();

        var model = new OptimizerModel(TypeShell.Of(optimizer), Symbols.HintName(optimizer), optimizer.Name,
            hypers.ToEquatableArray(), elementNames.OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray(),
            perTensor.ToEquatableArray(), units.ToEquatableArray());
        return new OptimizerParse(notPartial is null ? model : null, diagnostics.ToEquatableArray());
    }

    /// <summary>Finds the step an entry names and reads its options; null after reporting why it cannot be used.</summary>
    private static ResolvedStep? Resolve(INamedTypeSymbol stepsType, string entry, string prefix, Compilation compilation, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var (name, arguments, repeated, positional) = ParseEntry(entry);
        if (repeated is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadOption, location, name!, $"option '{repeated}' is given twice; give it once"));
            return null;
        }
        var candidates = stepsType.GetMembers().OfType<IMethodSymbol>()
            .Where(m => Symbols.Attribute(m, StepAttribute) is not null || Symbols.Attribute(m, TensorStepAttribute) is not null).ToList();
        var method = candidates.FirstOrDefault(m => m.Name == name);
        if (method is null)
        {
            var nearest = Gen.Ordering.NameDistance.Suggest(name ?? entry, candidates.Select(m => m.Name));
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.UnknownStep, location, stepsType.Name, entry,
                name is null ? "; write an entry as Name or Name(option: value)" : nearest is null ? "" : $"; did you mean '{nearest}'?"));
            return null;
        }
        var stepLocation = LocationInfo.From(method.Locations.FirstOrDefault());
        bool tensorStep = Symbols.Attribute(method, TensorStepAttribute) is not null;
        var syntax = method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() as MethodDeclarationSyntax ?? StepSources.Find(method);
        if (!tensorStep && syntax is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadStep, location, method.Name, "is compiled in another assembly that Gen's generator did not build; fused kernels need the step's source"));
            return null;
        }
        var (parameters, problem) = StepSignature.Read(method, tensorStep);
        if (positional)
        {
            var named = parameters.Where(p => p.Role == Role.Option).Select(p => $"{p.Name}: ...").ToList();
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadOption, location, method.Name,
                named.Count == 0 ? "it has no options; write the entry as its name alone" : $"options are given by name: {method.Name}({string.Join(", ", named)})"));
            return null;
        }
        if (problem is null && !tensorStep && ReturnsEarly(syntax!))
            problem = "returns early; write it without return statements (it is inlined into a loop)";
        if (problem is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadStep, stepLocation, method.Name, problem));
            return null;
        }
        int before = diagnostics.Count;
        var (bound, statics) = tensorStep ? (syntax, []) : StepBinder.Bind(syntax!, compilation, method.Name, prefix, diagnostics);
        var options = Options(method.Name, parameters, arguments!, location, diagnostics);
        return options is null || diagnostics.Count > before ? null : new ResolvedStep(method.Name, tensorStep ? null : bound, method, parameters, options, statics);
    }

    /// <summary>A return in the step's own body other than a final <c>return;</c> (one in a lambda is GEN0018's).</summary>
    private static bool ReturnsEarly(MethodDeclarationSyntax step) =>
        step.DescendantNodes(n => n is not AnonymousFunctionExpressionSyntax and not LocalFunctionStatementSyntax)
            .OfType<ReturnStatementSyntax>()
            .Any(r => !(r.Expression is null && r.Parent == step.Body && step.Body!.Statements.Last() == r));

    /// <summary>
    /// "AverageGrad(dampening: true)" -> ("AverageGrad", {dampening: true}, null, false); (null, null, null, false) when
    /// unreadable; an option named twice comes back as <c>Repeated</c>, options without names as <c>Positional</c>.
    /// </summary>
    private static (string? Name, Dictionary<string, ExpressionSyntax>? Arguments, string? Repeated, bool Positional) ParseEntry(string entry)
    {
        var expression = SyntaxFactory.ParseExpression(entry);
        if (expression.ContainsDiagnostics) return (null, null, null, false);
        if (expression is IdentifierNameSyntax id) return (id.Identifier.Text, [], null, false);
        if (expression is not InvocationExpressionSyntax { Expression: IdentifierNameSyntax callee } call) return (null, null, null, false);
        if (call.ArgumentList.Arguments.Any(a => a.NameColon is null)) return (callee.Identifier.Text, null, null, true);
        var arguments = new Dictionary<string, ExpressionSyntax>();
        foreach (var argument in call.ArgumentList.Arguments)
        {
            var option = argument.NameColon!.Name.Identifier.Text;
            if (arguments.ContainsKey(option)) return (callee.Identifier.Text, null, option, false);
            arguments[option] = argument.Expression;
        }
        return (callee.Identifier.Text, arguments, null, false);
    }

    private static Dictionary<string, ExpressionSyntax>? Options(string step, List<DeclaredParameter> parameters, Dictionary<string, ExpressionSyntax> arguments,
                                                                 LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var options = new Dictionary<string, ExpressionSyntax>();
        foreach (var unknown in arguments.Keys.Where(k => !parameters.Any(p => p.Role == Role.Option && p.Name == k)))
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadOption, location, step, $"it has no option '{unknown}'"));
        foreach (var option in parameters.Where(p => p.Role == Role.Option))
        {
            if (arguments.TryGetValue(option.Name, out var value)) options[option.Name] = value;
            else if (option.Symbol.HasExplicitDefaultValue) options[option.Name] = Literals.Of(option.Symbol.ExplicitDefaultValue);
            else diagnostics.Add(DiagnosticInfo.Create(Descriptors.BadOption, location, step, $"option '{option.Name}' needs a value: {step}({option.Name}: ...)"));
        }
        return diagnostics.Count == 0 ? options : null;
    }

    /// <summary>Every name must have one type and one role across the steps.</summary>
    private static void CheckBindings(List<ResolvedStep> steps, System.Func<DeclaredParameter, Role> effective, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var first = new Dictionary<string, (DeclaredParameter Parameter, string Step)>();
        foreach (var step in steps)
            foreach (var p in step.Parameters)
            {
                if (!first.TryGetValue(p.Name, out var seen)) { first[p.Name] = (p, step.Name); continue; }
                if (effective(seen.Parameter) == effective(p) && seen.Parameter.Type == p.Type) continue;
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.ConflictingBinding, location, p.Name,
                    Describe(seen.Parameter, effective), seen.Step, Describe(p, effective), step.Name));
            }
    }

    private static string Describe(DeclaredParameter p, System.Func<DeclaredParameter, Role> effective) =>
        $"{effective(p).ToString().ToLowerInvariant()} ({p.Symbol.Type})";

    /// <summary>The hypers in first-use order, with defaults from [Hyper]; lr alone may go without (the constructor takes it).</summary>
    private static List<HyperModel> Hypers(INamedTypeSymbol optimizer, List<ResolvedStep> steps, System.Func<DeclaredParameter, Role> effective,
                                           LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var defaults = new Dictionary<string, double>();
        foreach (var a in optimizer.GetAttributes().Where(a => Symbols.Is(a.AttributeClass, HyperAttribute)))
        {
            if (a.ConstructorArguments.Length != 2 || a.ConstructorArguments[0].Value is not string name || a.ConstructorArguments[1].Value is not double value) continue;
            if (defaults.ContainsKey(name))
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateHyper, LocationInfo.From(a.ApplicationSyntaxReference) ?? location, optimizer.Name, name));
            else defaults[name] = value;
        }
        var hypers = new List<HyperModel>();
        foreach (var step in steps)
            foreach (var p in step.Parameters.Where(p => effective(p) == Role.Hyper))
            {
                if (hypers.Any(h => h.Name == p.Name)) continue;
                double? value = defaults.TryGetValue(p.Name, out var d) ? d : null;
                if (value is null && p.Name != "lr")
                    diagnostics.Add(DiagnosticInfo.Create(Descriptors.MissingHyperDefault, location, optimizer.Name, p.Name, step.Name));
                hypers.Add(new HyperModel(p.Name, HyperModel.FastaiName(p.Name), value));
            }
        return hypers;
    }
}
