using System;
using System.Collections.Generic;
using System.Linq;
using Gen.Generators.Common;
using Gen.Ordering;
using Gen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Gen.Generators.Callbacks;

/// <summary>Finds a callback's [Event] methods and decides which event each handles.</summary>
internal static class EventHandlers
{
    private static readonly string[] EventNames = Enum.GetNames(typeof(Event));

    public static int Count => EventNames.Length;

    public static string EventName(int e) => EventNames[e];

    /// <summary>The methods of <paramref name="type"/> marked [Event], in declaration order.</summary>
    public static IEnumerable<(IMethodSymbol Method, AttributeData Attribute)> Declared(INamedTypeSymbol type)
    {
        foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
            if (Symbols.Attribute(method, Symbols.EventAttribute) is { } attribute) yield return (method, attribute);
    }

    /// <summary>The event <paramref name="method"/> handles, or the diagnostic explaining why it cannot.</summary>
    public static (int Event, DiagnosticInfo? Error) Resolve(IMethodSymbol method, AttributeData attribute)
    {
        var location = LocationInfo.From(method.Locations.FirstOrDefault());
        var signatureProblem = SignatureProblem(method);
        if (signatureProblem is not null)
            return (-1, DiagnosticInfo.Create(Descriptors.BadHandlerSignature, location, method.Name, signatureProblem));
        if (attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is byte explicitEvent)
            return explicitEvent < EventNames.Length
                ? (explicitEvent, null)
                : (-1, DiagnosticInfo.Create(Descriptors.EventOutOfRange, LocationInfo.From(attribute.ApplicationSyntaxReference) ?? location,
                                             method.Name, explicitEvent.ToString(System.Globalization.CultureInfo.InvariantCulture), Nearest(method.Name)));
        int byName = Array.IndexOf(EventNames, method.Name);
        if (byName >= 0) return (byName, null);
        return (-1, DiagnosticInfo.Create(Descriptors.UnknownEvent, location, method.Name,
                                          NameDistance.Suggest(method.Name, EventNames) is { } near ? $"; did you mean '{near}'?"
                                              : "; name the method after one of fastai's events (BeforeFit, AfterBatch, ...) or give its event: [Event(Event.AfterBatch)]"));
    }

    /// <summary>The events a callback type handles: read from its generated attribute when compiled elsewhere, else from its handlers.</summary>
    public static uint Mask(INamedTypeSymbol type)
    {
        var fromMetadata = Symbols.HandledEventsFromMetadata(type.OriginalDefinition);
        if (fromMetadata is uint mask) return mask;
        uint result = 0;
        foreach (var (method, attribute) in Declared(type.OriginalDefinition))
        {
            var (e, error) = Resolve(method, attribute);
            if (error is null) result |= 1u << e;
        }
        return result;
    }

    private static string? SignatureProblem(IMethodSymbol m)
    {
        if (m.IsStatic) return "it is static";
        if (!m.ReturnsVoid) return $"it returns {m.ReturnType.ToDisplayString()}";
        if (m.IsGenericMethod) return "it is generic";
        if (m.Parameters.Length > 1) return $"it takes {m.Parameters.Length} parameters";
        if (m.Parameters.Length == 1 && !Symbols.IsLearner(m.Parameters[0].Type))
            return $"its parameter is {m.Parameters[0].Type.ToDisplayString()}, not Learner";
        if (m.Parameters.Length == 1 && m.Parameters[0].RefKind != RefKind.None)
            return $"it takes the Learner as '{m.Parameters[0].RefKind.ToString().ToLowerInvariant()}'; take it by value";
        return null;
    }

    /// <summary>The event name closest to <paramref name="name"/> (case-insensitive edit distance).</summary>
    public static string Nearest(string name) => NameDistance.Nearest(name, EventNames)!;
}
