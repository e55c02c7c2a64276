using System;
using System.Linq;
using Gen.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace Gen.Generators.Common;

/// <summary>
/// Confines an unexpected exception to the class being parsed or emitted: it becomes one GEN9999 error naming that
/// class, and the other classes' output stands (an exception escaping a generator would drop all of it, as warning
/// CS8785). Cancellation passes through.
/// </summary>
internal static class GeneratorGuard
{
    /// <summary><paramref name="work"/>'s result, or <paramref name="failed"/> of the GEN9999 error when it throws.</summary>
    public static T Run<T>(Func<T> work, string name, LocationInfo? location, Func<DiagnosticInfo, T> failed)
    {
        try { return work(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return failed(Failure(name, location, e));
        }
    }

    /// <summary>Runs an output step; when it throws, reports GEN9999 instead.</summary>
    public static void Report(SourceProductionContext context, string name, Action work)
    {
        try { work(); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            context.ReportDiagnostic(Failure(name, null, e).ToDiagnostic());
        }
    }

    /// <summary>The GEN9999 error for <paramref name="name"/>, with the exception's type and first message line.</summary>
    public static DiagnosticInfo Failure(string name, LocationInfo? location, Exception e) =>
        DiagnosticInfo.Create(Descriptors.InternalError, location, name, e.GetType().Name, e.Message.Split('\n').FirstOrDefault()?.Trim() ?? "");

    /// <summary>Where a symbol is declared, for the GEN9999 error.</summary>
    public static LocationInfo? At(ISymbol symbol) => LocationInfo.From(symbol.Locations.FirstOrDefault());
}
