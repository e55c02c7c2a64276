using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Gen.Generators.Common;
using Gen.Generators.Diagnostics;
using Gen.Ordering;

namespace Gen.Generators.Callbacks;

/// <summary>Finds run_before/run_after cycles among the callback classes of a compilation, with the shared ordering algorithm.</summary>
internal static class OrderingCycles
{
    private sealed record Edge(int Before, int After, LocationInfo? Location);

    public static ImmutableArray<DiagnosticInfo> Find(ImmutableArray<CallbackModel> callbacks)
    {
        var nodes = callbacks.OrderBy(c => c.FullName, System.StringComparer.Ordinal).ToList();
        var edges = Edges(nodes);
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var zeros = new int[nodes.Count];
        // Report a cycle, break it by dropping its first edge, look again: every independent cycle gets reported.
        while (!CallbackOrder.TrySort(zeros, edges.Select(e => new OrderEdge(e.Before, e.After)).ToList(), out _, out var cycle))
        {
            var text = string.Join(" -> ", cycle.Select(i => DisplayName(nodes[i].FullName)));
            var cycleEdges = Enumerable.Range(0, cycle.Length - 1)
                .Select(k => edges.First(e => e.Before == cycle[k] && e.After == cycle[k + 1])).ToList();
            foreach (var edge in cycleEdges)
                diagnostics.Add(DiagnosticInfo.Create(Descriptors.OrderingCycle, edge.Location, text));
            edges.Remove(cycleEdges[0]);
        }
        return diagnostics.ToImmutable();
    }

    public static string DisplayName(string fullName) => fullName.Replace("global::", "");

    private static List<Edge> Edges(List<CallbackModel> nodes)
    {
        var edges = new List<Edge>();
        for (int i = 0; i < nodes.Count; i++)
            foreach (var c in nodes[i].Constraints)
                for (int j = 0; j < nodes.Count; j++)
                {
                    if (i == j || !nodes[j].SelfAndBaseNames.Contains(c.Target)) continue;
                    edges.Add(c.RunsBefore ? new Edge(i, j, c.Location) : new Edge(j, i, c.Location));
                }
        return edges;
    }
}
