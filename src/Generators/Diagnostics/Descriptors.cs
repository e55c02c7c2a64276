using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Gen.Generators.Diagnostics;

/// <summary>The catalog of Gen's compile-time errors. IDs are stable: never renumber, only add.</summary>
internal static class Descriptors
{
    private const string Category = "Gen";

    /// <summary>Where each diagnostic's help page is (docs/diagnostics/GEN00NN.md in the repository); the IDE links to it.</summary>
    public const string HelpPages = "https://github.com/gen-dotnet/gen/blob/main/docs/diagnostics/";

    private static DiagnosticDescriptor Error(string id, string title, string message, string help) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, description: help, helpLinkUri: HelpPages + id + ".md");

    public static readonly DiagnosticDescriptor UnknownEvent = Error("GEN0001",
        "Unknown event",
        "'{0}' is not a fastai event{1}",
        "An [Event] method must be named after one of fastai's events (BeforeFit, AfterBatch, ...) or name its event explicitly: [Event(Event.AfterBatch)].");

    public static readonly DiagnosticDescriptor BadHandlerSignature = Error("GEN0002",
        "Bad event handler signature",
        "Event handler '{0}' must be 'void {0}()' or 'void {0}(Learner learn)': {1}",
        "Handlers are non-generic instance methods returning void, taking nothing or the Learner.");

    public static readonly DiagnosticDescriptor NotPartial = Error("GEN0003",
        "Class must be partial",
        "'{0}' must be declared partial so that Gen can generate its {1}",
        "Add the 'partial' modifier to the class (and to every class containing it).");

    public static readonly DiagnosticDescriptor OrderingCycle = Error("GEN0004",
        "Callback ordering cycle",
        "The run_before/run_after constraints form a cycle: {0}; remove one of these constraints",
        "Callbacks are ordered by a topological sort of their [RunBefore]/[RunAfter] constraints, which must not be circular.");

    public static readonly DiagnosticDescriptor OrderingTargetNotCallback = Error("GEN0005",
        "Ordering target is not a callback",
        "'{0}' in [{1}] is not a callback; name a class that derives from Gen.Callback",
        "[RunBefore]/[RunAfter] order this callback relative to other callback types.");

    public static readonly DiagnosticDescriptor DuplicateHandler = Error("GEN0006",
        "Two handlers for one event",
        "'{0}' has two handlers for '{1}': '{2}' and '{3}'; merge them into one method",
        "Each callback class handles an event at most once, so that its order within the event is well defined.");

    public static readonly DiagnosticDescriptor DuplicatePipelineType = Error("GEN0007",
        "Duplicate callback type in a pipeline",
        "'{0}' appears more than once in [Pipeline]; list each callback type once",
        "A pipeline holds one instance of each callback type.");

    public static readonly DiagnosticDescriptor PipelineMemberNotCallback = Error("GEN0008",
        "Pipeline member is not a callback",
        "'{0}' in [Pipeline] is not a callback; list only classes that derive from Gen.Callback",
        "A pipeline is a fixed set of callbacks.");

    public static readonly DiagnosticDescriptor HandlerOutsideCallback = Error("GEN0009",
        "Event handler outside a callback",
        "'{0}' has [Event] handlers but does not derive from Gen.Callback; derive from Callback",
        "Only callbacks receive events.");

    public static readonly DiagnosticDescriptor InheritedHandlers = Error("GEN0010",
        "Handlers in a base callback",
        "'{0}' derives from '{1}', which has event handlers of its own; put all handlers in one class, or add the two as separate callbacks",
        "Each generated callback class dispatches its own handlers only; handlers are not merged across a class hierarchy.");

    public static readonly DiagnosticDescriptor MissingHyperDefault = Error("GEN0011",
        "Hyper-parameter without a default",
        "'{0}' needs hyper-parameter '{1}' (step '{2}') but gives it no default; add [Hyper(\"{1}\", value)]",
        "Every hyper-parameter a step reads needs a value; only lr is passed to the constructor instead.");

    public static readonly DiagnosticDescriptor ConflictingBinding = Error("GEN0012",
        "One name, two bindings",
        "'{0}' is {1} in step '{2}' but {3} in step '{4}'; use one type and role for a name, or rename one",
        "Step parameters bind by name across an optimizer's steps, so a name must mean one thing.");

    public static readonly DiagnosticDescriptor BadStep = Error("GEN0013",
        "Unsupported step",
        "Step '{0}' {1}",
        "A step is a static void method in this project; p, grad, state and hypers are float, [PerTensor] state is int, [Option]s are constants.");

    public static readonly DiagnosticDescriptor UnknownStep = Error("GEN0014",
        "Unknown step",
        "'{0}' has no [Step] method for '{1}'{2}",
        "Each [Optimizer] entry names a [Step] method of the steps class, with options in parentheses: \"AverageGrad(dampening: true)\".");

    public static readonly DiagnosticDescriptor BadOption = Error("GEN0015",
        "Bad step option",
        "Step '{0}': {1}",
        "Options are the step's [Option] parameters, given as name: constant, or left to the parameter's default.");

    public static readonly DiagnosticDescriptor DuplicateHyper = Error("GEN0016",
        "Hyper-parameter default given twice",
        "'{0}' gives hyper-parameter '{1}' a default more than once; keep one [Hyper(\"{1}\", value)]",
        "Each hyper-parameter has one default per optimizer.");

    public static readonly DiagnosticDescriptor EventOutOfRange = Error("GEN0017",
        "Not a fastai event",
        "[Event] on '{0}' names event value {1}, which is not one of fastai's events; name one, e.g. [Event(Event.{2})], or name the method after it",
        "An explicit [Event(...)] takes a member of the Event enum, not a number cast to it.");

    public static readonly DiagnosticDescriptor UnsupportedInStep = Error("GEN0018",
        "Unsupported construct in a step",
        "Step '{0}' {1}",
        "A fused kernel inlines each step into its loop over elements: a step is straight-line code over its parameters, constants, static values and expression-bodied static helpers.");

    public static readonly DiagnosticDescriptor InternalError = Error("GEN9999",
        "Generator failure",
        "Gen's generator failed on '{0}' ({1}: {2}); the other classes were generated. Please report this with the code of '{0}'.",
        "An unexpected error inside Gen's generator, confined to one class. It is a bug in Gen, not in your code.");

    private static readonly Dictionary<string, DiagnosticDescriptor> All = new[]
    {
        UnknownEvent, BadHandlerSignature, NotPartial, OrderingCycle, OrderingTargetNotCallback,
        DuplicateHandler, DuplicatePipelineType, PipelineMemberNotCallback, HandlerOutsideCallback, InheritedHandlers,
        MissingHyperDefault, ConflictingBinding, BadStep, UnknownStep, BadOption, DuplicateHyper, EventOutOfRange, UnsupportedInStep, InternalError,
    }.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor ById(string id) => All[id];

    /// <summary>Every descriptor, for tests that check the catalog (help pages, release tracking).</summary>
    public static IEnumerable<DiagnosticDescriptor> Catalog => All.Values;
}
