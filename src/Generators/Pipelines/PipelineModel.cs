using Gen.Generators.Common;

namespace Gen.Generators.Pipelines;

/// <summary>One callback of a pipeline: its type, the names it gets in generated code, the events it handles.</summary>
internal sealed record PipelineMember(string FullName, string ParameterName, string PropertyName, uint Events, bool HasDefaultConstructor);

/// <summary>A [Pipeline] class: members in declaration order and the run order computed at compile time.</summary>
internal sealed record PipelineModel(
    TypeShell Shell,
    string HintName,
    EquatableArray<PipelineMember> Members,
    EquatableArray<int> RunOrder);

internal sealed record PipelineParse(PipelineModel? Model, EquatableArray<DiagnosticInfo> Diagnostics);
