using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Gen;

namespace Benchmarks.Dispatch;

/// <summary>
/// The baseline: dispatch as a naive port of fastai's <c>Learner.__call__</c> would write it — sort the
/// callbacks by order at every event, look the handler up by name, invoke it through reflection.
/// </summary>
public sealed class ReflectionDispatcher(IReadOnlyList<Callback> callbacks)
{
    private const BindingFlags Handlers = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    public void Dispatch(string eventName)
    {
        foreach (var cb in callbacks.OrderBy(c => c.Order))
            cb.GetType().GetMethod(eventName, Handlers)?.Invoke(cb, null);
    }
}
