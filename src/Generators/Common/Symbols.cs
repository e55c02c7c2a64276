using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Gen.Generators.Common;

/// <summary>How the generator recognises Gen's types and attributes (by metadata name: it never references the runtime).</summary>
internal static class Symbols
{
    public const string EventAttribute = "Gen.EventAttribute";
    public const string PipelineAttribute = "Gen.PipelineAttribute";
    private const string OrderAttribute = "Gen.OrderAttribute";
    private const string RunBeforeAttribute = "Gen.RunBeforeAttribute";
    private const string RunAfterAttribute = "Gen.RunAfterAttribute";
    private const string HandlesEventsAttribute = "Gen.Internals.HandlesEventsAttribute";
    private const string CallbackType = "Gen.Callback";
    private const string LearnerType = "Gen.Learner";

    public static string FullName(ITypeSymbol type) => type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    public static bool Is(ISymbol? symbol, string metadataName) =>
        symbol is not null && symbol.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None)) == metadataName;

    public static bool IsLearner(ITypeSymbol type) => Is(type, LearnerType);

    /// <summary>The interfaces through which a callback replaces a step of the batch (the course's TrainCB).</summary>
    private static readonly string[] LoopStepInterfaces = ["Gen.IPredict", "Gen.IGetLoss", "Gen.IBackward", "Gen.IStep", "Gen.IZeroGrad"];

    /// <summary>Whether <paramref name="type"/> is a concrete callback that replaces a loop step (it needs metadata even without handlers).</summary>
    public static bool IsLoopStepCallback(INamedTypeSymbol type) =>
        !type.IsAbstract && IsCallback(type) && type.AllInterfaces.Any(i => LoopStepInterfaces.Any(name => Is(i, name)));

    public static bool IsCallback(ITypeSymbol? type)
    {
        for (var t = type?.BaseType; t is not null; t = t.BaseType)
            if (Is(t, CallbackType)) return true;
        return false;
    }

    /// <summary>The type and its base types, as full names: what a run_before/run_after target may match.</summary>
    public static IEnumerable<string> SelfAndBaseNames(ITypeSymbol type)
    {
        for (var t = type; t is not null && !Is(t, CallbackType); t = t.BaseType) yield return FullName(t);
    }

    public static AttributeData? Attribute(ISymbol symbol, string metadataName) =>
        symbol.GetAttributes().FirstOrDefault(a => Is(a.AttributeClass, metadataName));

    /// <summary>fastai's order from <c>[Order(n)]</c>, default 0.</summary>
    public static int Order(INamedTypeSymbol type) =>
        Attribute(type, OrderAttribute)?.ConstructorArguments.FirstOrDefault().Value is int order ? order : 0;

    /// <summary>The [RunBefore]/[RunAfter] attributes of <paramref name="type"/> with their targets.</summary>
    public static IEnumerable<(AttributeData Attribute, ITypeSymbol? Target, bool RunsBefore)> OrderingAttributes(INamedTypeSymbol type)
    {
        foreach (var a in type.GetAttributes())
        {
            bool before = Is(a.AttributeClass, RunBeforeAttribute);
            if (!before && !Is(a.AttributeClass, RunAfterAttribute)) continue;
            yield return (a, a.ConstructorArguments.FirstOrDefault().Value as ITypeSymbol, before);
        }
    }

    /// <summary>The events a callback declared in another assembly handles, as its generated [HandlesEvents] says.</summary>
    public static uint? HandledEventsFromMetadata(INamedTypeSymbol type) =>
        Attribute(type, HandlesEventsAttribute)?.ConstructorArguments.FirstOrDefault().Value is uint mask ? mask : null;

    /// <summary>A file name for the generated source of <paramref name="type"/>.</summary>
    public static string HintName(INamedTypeSymbol type)
    {
        var name = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)
            .Replace('<', '{').Replace('>', '}').Replace(", ", "_").Replace(',', '_');
        return name + ".g.cs";
    }
}
