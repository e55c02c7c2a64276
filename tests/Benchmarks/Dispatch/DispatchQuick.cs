using System.Collections.Generic;

namespace Benchmarks.Dispatch;

/// <summary>Quick-mode lines <c>dispatch.{pipeline,dynamic}.k{K}</c> against <c>dispatch.reflection.k{K}</c>.</summary>
public static class DispatchQuick
{
    public static IEnumerable<Comparison> Run()
    {
        var learn = BenchLearner.Create();
        foreach (int k in DispatchCases.Ks)
        {
            var cases = new DispatchCases(k, learn);
            double perCallbackEvent = k * DispatchCases.BatchEvents.Length;
            var r = Measure.Interleaved([cases.ReflectionBatch, cases.PipelineBatch, cases.DynamicBatch], warmupMs: 600);
            var (reflection, pipeline, dynamic) = (r[0], r[1], r[2]);
            foreach (var (variant, ours) in new[] { ("pipeline", pipeline), ("dynamic", dynamic) })
                yield return new Comparison($"dispatch.{variant}.k{k}", "ns_per_callback_event", ours.NsPerOp / perCallbackEvent,
                    $"dispatch.reflection.k{k}", reflection.NsPerOp / perCallbackEvent, ours.BytesPerOp);
        }
    }
}
