using System.Collections.Generic;
using System.Linq;
using Gen.Generators.Callbacks;
using Gen.Generators.Common;
using Gen.Generators.Diagnostics;
using Gen.Ordering;
using Microsoft.CodeAnalysis;

namespace Gen.Generators.Pipelines;

/// <summary>Reads a [Pipeline] class: its callback types, their events and constraints, and orders them.</summary>
internal static class PipelineParser
{
    public static PipelineParse Parse(INamedTypeSymbol pipeline, AttributeData attribute)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var location = LocationInfo.From(attribute.ApplicationSyntaxReference);
        var types = Members(attribute, location, diagnostics);

        var notPartial = TypeDeclaration.FirstNotPartial(pipeline);
        if (notPartial is not null)
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NotPartial, LocationInfo.From(notPartial.Locations.FirstOrDefault()), notPartial.Name, "pipeline"));

        var order = Order(types, location, diagnostics);
        if (notPartial is not null || order is null || diagnostics.Count > 0)
            return new PipelineParse(null, diagnostics.ToEquatableArray());

        var members = types.Select((t, i) => new PipelineMember(
            Symbols.FullName(t),
            Unique(types, i, t => char.ToLowerInvariant(t.Name[0]) + t.Name.Substring(1)),
            Unique(types, i, t => t.Name),
            EventHandlers.Mask(t),
            !t.IsAbstract && t.InstanceConstructors.Any(c => c.Parameters.Length == 0 && c.DeclaredAccessibility == Accessibility.Public)));
        return new PipelineParse(
            new PipelineModel(TypeShell.Of(pipeline), PipelineHintName(pipeline), members.ToEquatableArray(), order.ToEquatableArray()),
            diagnostics.ToEquatableArray());
    }

    private static List<INamedTypeSymbol> Members(AttributeData attribute, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var types = new List<INamedTypeSymbol>();
        var arguments = attribute.ConstructorArguments.FirstOrDefault();
        var values = arguments.Kind == TypedConstantKind.Array ? arguments.Values : [arguments];
        foreach (var value in values)
        {
            if (value.Value is not INamedTypeSymbol type || !Symbols.IsCallback(type))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.PipelineMemberNotCallback, location, (value.Value as ITypeSymbol)?.ToDisplayString() ?? "null"));
                continue;
            }
            if (types.Contains(type, SymbolEqualityComparer.Default))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicatePipelineType, location, type.ToDisplayString()));
                continue;
            }
            types.Add(type);
        }
        return types;
    }

    /// <summary>The run order (indices into <paramref name="types"/>) by the shared algorithm, or null after reporting a cycle.</summary>
    private static int[]? Order(List<INamedTypeSymbol> types, LocationInfo? location, List<DiagnosticInfo> diagnostics)
    {
        var selfAndBases = types.Select(t => Symbols.SelfAndBaseNames(t).ToList()).ToList();
        var edges = new List<OrderEdge>();
        for (int i = 0; i < types.Count; i++)
            foreach (var (_, target, runsBefore) in Symbols.OrderingAttributes(types[i]))
            {
                if (target is null) continue;
                var name = Symbols.FullName(target);
                for (int j = 0; j < types.Count; j++)
                    if (i != j && selfAndBases[j].Contains(name))
                        edges.Add(runsBefore ? new OrderEdge(i, j) : new OrderEdge(j, i));
            }
        if (CallbackOrder.TrySort(types.Select(Symbols.Order).ToList(), edges, out var sorted, out var cycle)) return sorted;
        diagnostics.Add(DiagnosticInfo.Create(Descriptors.OrderingCycle, location,
            string.Join(" -> ", cycle.Select(i => types[i].ToDisplayString()))));
        return null;
    }

    /// <summary>A name for member <paramref name="index"/>, suffixed with its position when another member would get the same.</summary>
    private static string Unique(List<INamedTypeSymbol> types, int index, System.Func<INamedTypeSymbol, string> name) =>
        types.Count(t => name(t) == name(types[index])) > 1 ? name(types[index]) + index : name(types[index]);

    // Its own suffix: a class that is also a callback (an error the compiler reports) must not give two files one name.
    private static string PipelineHintName(INamedTypeSymbol pipeline) => Symbols.HintName(pipeline).Replace(".g.cs", ".Pipeline.g.cs");
}
