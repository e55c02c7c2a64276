// This file is compiled into both Gen.Runtime and Gen.Generators (linked), so that the order a
// [Pipeline] gets at compile time and the order a dynamic callback set gets at run time come from
// one algorithm and can never disagree. Keep it netstandard2.0-compatible and dependency-free.
using System.Collections.Generic;

namespace Gen.Ordering
{
    /// <summary>"Callback <see cref="Before"/> must run before callback <see cref="After"/>" (indices).</summary>
    internal readonly struct OrderEdge
    {
        /// <summary>Callback <paramref name="before"/> must run before callback <paramref name="after"/>.</summary>
        public OrderEdge(int before, int after) { Before = before; After = after; }

        /// <summary>The index of the callback that runs first.</summary>
        public int Before { get; }

        /// <summary>The index of the callback that runs after it.</summary>
        public int After { get; }
    }

    /// <summary>
    /// Orders callbacks: a topological sort of the run_before/run_after edges in which, among the
    /// callbacks whose predecessors have all been placed, the one with the smallest <c>Order</c> goes
    /// first, ties going to the one inserted first. With no edges this is fastai's stable sort by order.
    /// </summary>
    internal static class CallbackOrder
    {
        /// <summary>
        /// Sorts callbacks given their <paramref name="orders"/> (index = insertion position) and
        /// <paramref name="edges"/>. Returns true with the sorted indices, or false with one cycle
        /// (indices, first repeated at the end) when the edges cannot be satisfied.
        /// </summary>
        public static bool TrySort(IReadOnlyList<int> orders, IReadOnlyList<OrderEdge> edges, out int[] sorted, out int[] cycle)
        {
            int n = orders.Count;
            var pendingPredecessors = new int[n];
            var successors = Successors(n, edges);
            foreach (var e in edges) pendingPredecessors[e.After]++;

            var placed = new bool[n];
            sorted = new int[n];
            for (int k = 0; k < n; k++)
            {
                int best = -1;
                for (int i = 0; i < n; i++)
                {
                    if (placed[i] || pendingPredecessors[i] != 0) continue;
                    if (best < 0 || orders[i] < orders[best]) best = i;   // strict: ties keep insertion order
                }
                if (best < 0)
                {
                    sorted = new int[0];
                    cycle = FindCycle(successors, placed);
                    return false;
                }
                placed[best] = true;
                sorted[k] = best;
                foreach (int s in successors[best]) pendingPredecessors[s]--;
            }
            cycle = new int[0];
            return true;
        }

        private static List<int>[] Successors(int n, IReadOnlyList<OrderEdge> edges)
        {
            var successors = new List<int>[n];
            for (int i = 0; i < n; i++) successors[i] = new List<int>();
            foreach (var e in edges) successors[e.Before].Add(e.After);
            return successors;
        }

        /// <summary>A cycle among the unplaced nodes (every unplaced node lies on or leads to one).</summary>
        private static int[] FindCycle(List<int>[] successors, bool[] placed)
        {
            int n = successors.Length;
            var state = new byte[n]; // 0 unvisited, 1 on the current path, 2 done
            var path = new List<int>();
            for (int start = 0; start < n; start++)
            {
                if (placed[start] || state[start] != 0) continue;
                var found = Visit(start, successors, placed, state, path);
                if (found != null) return found;
            }
            return new int[0];
        }

        private static int[]? Visit(int node, List<int>[] successors, bool[] placed, byte[] state, List<int> path)
        {
            state[node] = 1;
            path.Add(node);
            foreach (int next in successors[node])
            {
                if (placed[next]) continue;
                if (state[next] == 1)
                {
                    var cycle = path.GetRange(path.IndexOf(next), path.Count - path.IndexOf(next));
                    cycle.Add(next);
                    return cycle.ToArray();
                }
                if (state[next] == 0)
                {
                    var found = Visit(next, successors, placed, state, path);
                    if (found != null) return found;
                }
            }
            state[node] = 2;
            path.RemoveAt(path.Count - 1);
            return null;
        }
    }
}
