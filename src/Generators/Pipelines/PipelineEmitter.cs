using System.Linq;
using Gen.Generators.Callbacks;
using Gen.Generators.Common;

namespace Gen.Generators.Pipelines;

/// <summary>Writes a pipeline: fields in run order, constructors, and one method per event calling the handlers directly.</summary>
internal static class PipelineEmitter
{
    public static string Emit(PipelineModel m)
    {
        var run = m.RunOrder.Select(i => m.Members[i]).ToList();
        return m.Shell.Write(attributeOnType: null, baseType: "global::Gen.CallbackPipeline", w =>
        {
            w.Line("private readonly global::Gen.Callback[] _callbacks;");
            foreach (var member in m.Members)
                w.Line($"private readonly {member.FullName} _{member.ParameterName};");
            if (m.Members.All(x => x.HasDefaultConstructor))
            {
                w.Line();
                w.Line("/// <summary>Creates the pipeline with a new instance of each callback.</summary>");
                w.Line($"public {ConstructorName(m)}() : this({string.Join(", ", m.Members.Select(x => $"new {x.FullName}()"))}) {{ }}");
            }
            w.Line();
            w.Line("/// <summary>Creates the pipeline from the given callback instances.</summary>");
            w.Open($"public {ConstructorName(m)}({string.Join(", ", m.Members.Select(x => $"{x.FullName} {x.ParameterName}"))})");
            foreach (var member in m.Members)
                w.Line($"_{member.ParameterName} = {member.ParameterName} ?? throw new global::System.ArgumentNullException(nameof({member.ParameterName}));");
            w.Line($"_callbacks = new global::Gen.Callback[] {{ {string.Join(", ", run.Select(x => "_" + x.ParameterName))} }};");
            w.Close();
            foreach (var member in m.Members)
            {
                w.Line();
                w.Line($"public {member.FullName} {member.PropertyName} => _{member.ParameterName};");
            }
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("public override global::System.Collections.Generic.IReadOnlyList<global::Gen.Callback> Callbacks => _callbacks;");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Open("public override void Dispatch(global::Gen.Event e, global::Gen.Learner learn)");
            w.Open("switch (e)");
            for (int e = 0; e < EventHandlers.Count; e++)
                if (run.Any(x => Handles(x, e)))
                    w.Line($"case global::Gen.Event.{EventHandlers.EventName(e)}: {EventHandlers.EventName(e)}(learn); return;");
            w.Close();
            w.Close();
            for (int e = 0; e < EventHandlers.Count; e++)
            {
                var handlers = run.Where(x => Handles(x, e)).ToList();
                if (handlers.Count == 0) continue;
                w.Line();
                w.Open($"private void {EventHandlers.EventName(e)}(global::Gen.Learner learn)");
                for (int k = 0; k < handlers.Count; k++)
                {
                    w.Line($"_{handlers[k].ParameterName}.Dispatch{EventHandlers.EventName(e)}(learn);");
                    if (k < handlers.Count - 1) w.Line("if (learn.CancelRequested) return;");
                }
                w.Close();
            }
        });
    }

    private static bool Handles(PipelineMember member, int e) => (member.Events & (1u << e)) != 0;

    private static string ConstructorName(PipelineModel m)
    {
        var name = m.Shell.Declarations[m.Shell.Declarations.Count - 1].Name;
        int generic = name.IndexOf('<');
        return generic < 0 ? name : name.Substring(0, generic);
    }
}
