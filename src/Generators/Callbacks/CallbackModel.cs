using Gen.Generators.Common;

namespace Gen.Generators.Callbacks;

/// <summary>One [Event] method: its name, the event it handles, whether it takes the Learner.</summary>
internal sealed record HandlerModel(string MethodName, int Event, bool TakesLearner);

/// <summary>A [RunBefore]/[RunAfter] constraint on a callback type (full name), with where it was written.</summary>
internal sealed record OrderingConstraint(string Target, bool RunsBefore, LocationInfo? Location);

/// <summary>Everything the emitter and the cycle check need of one callback class; plain, equatable data.</summary>
internal sealed record CallbackModel(
    TypeShell Shell,
    string FullName,
    string HintName,
    string SnakeName,
    int Order,
    EquatableArray<HandlerModel> Handlers,
    EquatableArray<OrderingConstraint> Constraints,
    EquatableArray<string> SelfAndBaseNames)
{
    public uint EventMask
    {
        get
        {
            uint mask = 0;
            foreach (var h in Handlers) mask |= 1u << h.Event;
            return mask;
        }
    }
}

/// <summary>The parse of one class: a model to emit (null when the class cannot be generated) and its diagnostics.</summary>
internal sealed record CallbackParse(CallbackModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
