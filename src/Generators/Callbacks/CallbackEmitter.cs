using System.Linq;
using Gen.Generators.Common;

namespace Gen.Generators.Callbacks;

/// <summary>Writes a callback's generated half: metadata, the <c>Invoke</c> switch and one direct entry per event for pipelines.</summary>
internal static class CallbackEmitter
{
    public static string Emit(CallbackModel m)
    {
        var mask = $"(global::Gen.Internals.EventMask)0x{m.EventMask:X6}u";
        var attribute = $"[global::Gen.Internals.HandlesEventsAttribute({mask})]";
        return m.Shell.Write(attribute, baseType: null, w =>
        {
            var before = TypeArray(m, runsBefore: true);
            var after = TypeArray(m, runsBefore: false);
            w.Line($"/// <summary>Compile-time metadata of this callback: fastai name, order, events, run_before/run_after.</summary>");
            w.Line($"public static readonly global::Gen.Internals.CallbackInfo Metadata = new(typeof({m.FullName}), \"{m.SnakeName}\", {m.Order}, {mask}, {before}, {after});");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line("public override global::Gen.Internals.CallbackInfo Info => Metadata;");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Open("public override void Invoke(global::Gen.Event e, global::Gen.Learner learn)");
            if (m.Handlers.Count > 0)   // a callback that only replaces loop steps handles no event
            {
                w.Open("switch (e)");
                foreach (var h in m.Handlers)
                    w.Line($"case global::Gen.Event.{EventHandlers.EventName(h.Event)}: {Call(h)}; return;");
                w.Close();
            }
            w.Close();
            foreach (var h in m.Handlers)
            {
                w.Line();
                w.Line($"/// <summary>Calls the {EventHandlers.EventName(h.Event)} handler: the entry point of generated pipelines, not for user code.</summary>");
                w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
                w.Line("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]");
                w.Line($"public void Dispatch{EventHandlers.EventName(h.Event)}(global::Gen.Learner learn) => {Call(h)};");
            }
        });
    }

    private static string Call(HandlerModel h) => h.TakesLearner ? $"{h.MethodName}(learn)" : $"{h.MethodName}()";

    private static string TypeArray(CallbackModel m, bool runsBefore)
    {
        var targets = m.Constraints.Where(c => c.RunsBefore == runsBefore).Select(c => $"typeof({c.Target})").ToList();
        return targets.Count == 0 ? "global::System.Type.EmptyTypes" : $"new global::System.Type[] {{ {string.Join(", ", targets)} }}";
    }
}
