using Gen.Generators.Common;
using Gen.Generators.Optimizers;
using Microsoft.CodeAnalysis;

namespace Gen.Generators;

/// <summary>
/// Gen's optimizer compiler: each [Optimizer] class -> an equatable model of its steps, split into
/// per-tensor and per-element code -> one fused kernel per dtype, typed hypers and state.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class OptimizerGenerator : IIncrementalGenerator
{
    public const string OptimizerParses = nameof(OptimizerParses);
    public const string StepSourceList = nameof(StepSourceList);

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parses = context.SyntaxProvider
            .ForAttributeWithMetadataName("Gen.OptimizerAttribute",
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                static (ctx, ct) => GeneratorGuard.Run(() => OptimizerParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0], ctx.SemanticModel.Compilation, ct),
                    ctx.TargetSymbol.Name, GeneratorGuard.At(ctx.TargetSymbol), failure => new OptimizerParse(null, new[] { failure }.ToEquatableArray())))
            .WithTrackingName(OptimizerParses);
        // Every [Step] of this assembly travels as source in an assembly attribute, for optimizers in other assemblies.
        var stepSources = context.SyntaxProvider
            .ForAttributeWithMetadataName("Gen.StepAttribute",
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                static (ctx, _) => (Key: StepSources.Key((IMethodSymbol)ctx.TargetSymbol), Source: ctx.TargetNode.WithoutTrivia().ToFullString()))
            .Collect()
            .WithTrackingName(StepSourceList);
        context.RegisterSourceOutput(stepSources, static (spc, steps) =>
        {
            if (steps.Length > 0) GeneratorGuard.Report(spc, "[Step] sources", () => spc.AddSource("StepSources.g.cs", StepSources.Emit(steps)));
        });

        context.RegisterSourceOutput(parses, static (spc, parse) =>
        {
            foreach (var d in parse.Diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
            if (parse.Model is { } model) GeneratorGuard.Report(spc, model.ClassName, () => spc.AddSource(model.HintName, OptimizerEmitter.Emit(model)));
        });
    }
}
