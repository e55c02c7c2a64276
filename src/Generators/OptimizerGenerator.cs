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
    public const string OptimizerModels = nameof(OptimizerModels);
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
                static (ctx, _) => (Key: StepSources.Key((IMethodSymbol)ctx.TargetSymbol),
                    Source: GeneratorGuard.Run(() => Comments.Strip(StepBinder.BindForExport((Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax)ctx.TargetNode, ctx.SemanticModel.Compilation)).NormalizeWhitespace().ToFullString(),
                        ctx.TargetSymbol.Name, null, _ => Comments.Strip(ctx.TargetNode).NormalizeWhitespace().ToFullString())))
            .Collect()
            .WithTrackingName(StepSourceList);
        context.RegisterSourceOutput(stepSources, static (spc, steps) =>
        {
            if (steps.Length > 0) GeneratorGuard.Report(spc, "[Step] sources", () => spc.AddSource("StepSources.g.cs", StepSources.Emit(steps)));
        });

        // Diagnostics (with their locations) travel apart from the models that drive emission, which hold none: an edit
        // that only moves code leaves the generated source cached.
        var models = parses.Select(static (parse, _) => parse.Model).Where(static model => model is not null).WithTrackingName(OptimizerModels);
        context.RegisterSourceOutput(models, static (spc, model) =>
            GeneratorGuard.Report(spc, model!.ClassName, () => spc.AddSource(model.HintName, OptimizerEmitter.Emit(model))));
        context.RegisterSourceOutput(parses.SelectMany(static (parse, _) => parse.Diagnostics), static (spc, d) => spc.ReportDiagnostic(d.ToDiagnostic()));
    }
}
