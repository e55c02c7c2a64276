using System.Collections.Immutable;
using System.Linq;
using Gen.Generators.Callbacks;
using Gen.Generators.Common;
using Gen.Generators.Pipelines;
using Microsoft.CodeAnalysis;

namespace Gen.Generators;

/// <summary>
/// Gen's callback compiler. Pipeline: [Event] methods (and callbacks that replace loop steps) -> one equatable model per callback class -> its
/// dispatch code; [Pipeline] classes -> ordered model -> direct per-event calls; all diagnostics are
/// carried as data and reported in separate outputs.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class CallbackGenerator : IIncrementalGenerator
{
    public static class TrackingNames
    {
        public const string CallbackParses = nameof(CallbackParses);
        public const string LoopStepCallbackParses = nameof(LoopStepCallbackParses);
        public const string Callbacks = nameof(Callbacks);
        public const string OrderingDiagnostics = nameof(OrderingDiagnostics);
        public const string PipelineParses = nameof(PipelineParses);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // Callbacks that replace a step of the batch (IPredict, ...) may have no [Event] method at all.
        var loopStepCallbackParses = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax { BaseList: not null },
                static (ctx, ct) => ctx.SemanticModel.GetDeclaredSymbol(ctx.Node, ct) is INamedTypeSymbol type && Symbols.IsLoopStepCallback(type)
                    ? GuardedParse(type, ct) : null)
            .Where(static parse => parse is not null)
            .Collect()
            .WithTrackingName(TrackingNames.LoopStepCallbackParses);

        // Every [Event] method yields the parse of its whole class; Distinct leaves one per class.
        var callbackParses = context.SyntaxProvider
            .ForAttributeWithMetadataName(Symbols.EventAttribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.MethodDeclarationSyntax,
                static (ctx, ct) => GuardedParse(ctx.TargetSymbol.ContainingType, ct))
            .Collect()
            .Combine(loopStepCallbackParses)
            .Select(static (parses, _) => parses.Left.Concat(parses.Right.Select(p => p!)).Distinct().ToImmutableArray())
            .WithTrackingName(TrackingNames.CallbackParses);

        // Emission sees the models without the constraints' locations (only the cycle check reports at them), so an
        // edit that only moves code leaves the generated sources cached.
        var callbacks = callbackParses
            .SelectMany(static (parses, _) => parses.Where(p => p.Model is not null).Select(p => WithoutLocations(p.Model!)))
            .WithTrackingName(TrackingNames.Callbacks);
        context.RegisterSourceOutput(callbacks, static (spc, model) =>
            GeneratorGuard.Report(spc, model.HintName, () => spc.AddSource(model.HintName, CallbackEmitter.Emit(model))));

        context.RegisterSourceOutput(callbackParses.SelectMany(static (parses, _) => parses.SelectMany(p => p.Diagnostics)),
            static (spc, d) => spc.ReportDiagnostic(d.ToDiagnostic()));

        var orderingDiagnostics = callbackParses
            .Select(static (parses, _) => GeneratorGuard.Run(
                () => OrderingCycles.Find(parses.Where(p => p.Model is not null).Select(p => p.Model!).ToImmutableArray()).ToEquatableArray(),
                "the callbacks' run_before/run_after order", null, failure => new[] { failure }.ToEquatableArray()))
            .WithTrackingName(TrackingNames.OrderingDiagnostics);
        context.RegisterSourceOutput(orderingDiagnostics, static (spc, ds) => { foreach (var d in ds) spc.ReportDiagnostic(d.ToDiagnostic()); });

        var pipelineParses = context.SyntaxProvider
            .ForAttributeWithMetadataName(Symbols.PipelineAttribute,
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.ClassDeclarationSyntax,
                static (ctx, _) => GeneratorGuard.Run(() => PipelineParser.Parse((INamedTypeSymbol)ctx.TargetSymbol, ctx.Attributes[0]),
                    ctx.TargetSymbol.Name, GeneratorGuard.At(ctx.TargetSymbol), failure => new PipelineParse(null, new[] { failure }.ToEquatableArray())))
            .WithTrackingName(TrackingNames.PipelineParses);
        context.RegisterSourceOutput(pipelineParses, static (spc, parse) =>
        {
            foreach (var d in parse.Diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
            if (parse.Model is { } model) GeneratorGuard.Report(spc, model.HintName, () => spc.AddSource(model.HintName, PipelineEmitter.Emit(model)));
        });
    }

    private static CallbackModel WithoutLocations(CallbackModel model) =>
        model with { Constraints = model.Constraints.Select(c => c with { Location = null }).ToEquatableArray() };

    private static CallbackParse GuardedParse(INamedTypeSymbol type, System.Threading.CancellationToken ct) =>
        GeneratorGuard.Run(() => CallbackParser.Parse(type, ct), type.Name, GeneratorGuard.At(type),
                           failure => new CallbackParse(null, new[] { failure }.ToEquatableArray()));
}
