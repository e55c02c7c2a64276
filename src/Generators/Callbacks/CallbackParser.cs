using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Gen.Generators.Common;
using Gen.Generators.Diagnostics;
using Gen.Ordering;
using Microsoft.CodeAnalysis;

namespace Gen.Generators.Callbacks;

/// <summary>Reads a callback class (symbols) into a <see cref="CallbackModel"/> and its diagnostics.</summary>
internal static class CallbackParser
{
    public static CallbackParse Parse(INamedTypeSymbol type, CancellationToken ct)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var typeLocation = LocationInfo.From(type.Locations.FirstOrDefault());

        if (!Symbols.IsCallback(type))
        {
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.HandlerOutsideCallback, typeLocation, type.Name));
            return new CallbackParse(null, diagnostics.ToEquatableArray());
        }

        var baseWithHandlers = BaseWithHandlers(type);
        if (baseWithHandlers is not null)
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.InheritedHandlers, typeLocation, type.Name, baseWithHandlers.Name));

        var handlers = ParseHandlers(type, diagnostics);
        ct.ThrowIfCancellationRequested();
        var constraints = ParseConstraints(type, diagnostics);

        var notPartial = TypeDeclaration.FirstNotPartial(type);
        if (notPartial is not null)
            diagnostics.Add(DiagnosticInfo.Create(Descriptors.NotPartial, LocationInfo.From(notPartial.Locations.FirstOrDefault()), notPartial.Name, "event dispatch"));

        var model = notPartial is null && baseWithHandlers is null
            ? new CallbackModel(
                TypeShell.Of(type),
                Symbols.FullName(type),
                Symbols.HintName(type),
                CallbackNaming.SnakeName(type.Name),
                Symbols.Order(type),
                handlers.ToEquatableArray(),
                constraints.ToEquatableArray(),
                Symbols.SelfAndBaseNames(type).ToEquatableArray())
            : null;
        return new CallbackParse(model, diagnostics.ToEquatableArray());
    }

    /// <summary>The nearest base class (other than Gen.Callback) that handles events itself, if any.</summary>
    private static INamedTypeSymbol? BaseWithHandlers(INamedTypeSymbol type)
    {
        for (var t = type.BaseType; t is not null && Symbols.IsCallback(t); t = t.BaseType)
            if (EventHandlers.Mask(t) != 0) return t;
        return null;
    }

    private static List<HandlerModel> ParseHandlers(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        var handlers = new List<HandlerModel>();
        foreach (var (method, attribute) in EventHandlers.Declared(type))
        {
            var (e, error) = EventHandlers.Resolve(method, attribute);
            if (error is not null) { diagnostics.Add(error); continue; }
            var first = handlers.FirstOrDefault(h => h.Event == e);
            if (first is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.DuplicateHandler, LocationInfo.From(method.Locations.FirstOrDefault()),
                    type.Name, EventHandlers.EventName(e), first.MethodName, method.Name));
                continue;
            }
            handlers.Add(new HandlerModel(method.Name, e, method.Parameters.Length == 1));
        }
        return handlers;
    }

    private static List<OrderingConstraint> ParseConstraints(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        var constraints = new List<OrderingConstraint>();
        foreach (var (attribute, target, runsBefore) in Symbols.OrderingAttributes(type))
        {
            var location = LocationInfo.From(attribute.ApplicationSyntaxReference);
            if (target is null || !Symbols.IsCallback(target))
            {
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.OrderingTargetNotCallback, location,
                    target?.ToDisplayString() ?? "?", runsBefore ? "RunBefore" : "RunAfter"));
                continue;
            }
            constraints.Add(new OrderingConstraint(Symbols.FullName(target), runsBefore, location));
        }
        return constraints;
    }
}
