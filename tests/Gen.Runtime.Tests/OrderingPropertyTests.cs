using System.Collections.Generic;
using System.Linq;
using CsCheck;
using G = CsCheck.Gen; // our namespace is also called Gen
using Gen.Ordering;
using Xunit;

namespace Gen.Runtime.Tests;

/// <summary>Properties of the one ordering algorithm, against a brute-force second implementation.</summary>
public class OrderingPropertyTests
{
    /// <summary>A random callback set: orders, and acyclic constraints (edges follow a hidden random ranking).</summary>
    private static readonly CsCheck.Gen<(int[] Orders, OrderEdge[] Edges)> Sets =
        from n in G.Int[1, 7]
        from orders in G.Int[-3, 3].Array[n]
        from rank in G.Int.Array[n]
        from pairs in G.Select(G.Int[0, n - 1], G.Int[0, n - 1]).Array[0, 10]
        select (orders, pairs
            .Where(p => p.Item1 != p.Item2)
            .Select(p => (rank[p.Item1], p.Item1).CompareTo((rank[p.Item2], p.Item2)) < 0 ? new OrderEdge(p.Item1, p.Item2) : new OrderEdge(p.Item2, p.Item1))
            .ToArray());

    [Fact]
    public void Order_satisfies_every_constraint()
    {
        Sets.Sample(s =>
        {
            Assert.True(CallbackOrder.TrySort(s.Orders, s.Edges, out var sorted, out _));
            var position = new int[sorted.Length];
            for (int k = 0; k < sorted.Length; k++) position[sorted[k]] = k;
            Assert.Equal(Enumerable.Range(0, s.Orders.Length), sorted.Order());
            Assert.All(s.Edges, e => Assert.True(position[e.Before] < position[e.After]));
        });
    }

    [Fact]
    public void Order_is_the_smallest_valid_sequence_of_order_then_insertion()
    {
        // Second implementation: try every permutation, keep those meeting the constraints, take the
        // lexicographically smallest by (order, insertion index) — what "ties broken by order, then insertion" means.
        Sets.Sample(s =>
        {
            Assert.True(CallbackOrder.TrySort(s.Orders, s.Edges, out var sorted, out _));
            var best = Permutations(Enumerable.Range(0, s.Orders.Length).ToList())
                .Where(p => s.Edges.All(e => p.IndexOf(e.Before) < p.IndexOf(e.After)))
                .OrderBy(p => p, Comparer<List<int>>.Create((a, b) => CompareKeys(a, b, s.Orders)))
                .First();
            Assert.Equal(best, sorted);
        });
    }

    [Fact]
    public void Any_insertion_order_yields_the_same_order_when_orders_differ()
    {
        var distinctSets = from s in Sets
                           from shuffle in G.Shuffle(Enumerable.Range(0, s.Orders.Length).ToArray())
                           select (s.Orders.Select((o, i) => o * 10 + i).ToArray(), s.Edges, shuffle);
        distinctSets.Sample(t =>
        {
            var (orders, edges, shuffle) = t;
            Assert.True(CallbackOrder.TrySort(orders, edges, out var sorted, out _));
            // Insert the same callbacks in another order: new index k holds old callback shuffle[k].
            var newIndex = new int[shuffle.Length];
            for (int k = 0; k < shuffle.Length; k++) newIndex[shuffle[k]] = k;
            var shuffledOrders = shuffle.Select(old => orders[old]).ToArray();
            var shuffledEdges = edges.Select(e => new OrderEdge(newIndex[e.Before], newIndex[e.After])).ToArray();
            Assert.True(CallbackOrder.TrySort(shuffledOrders, shuffledEdges, out var resorted, out _));
            Assert.Equal(sorted, resorted.Select(k => shuffle[k]));
        });
    }

    [Fact]
    public void A_cycle_is_reported_as_a_real_cycle()
    {
        var cyclic = from s in Sets
                     where s.Edges.Length > 0
                     from pick in G.Int[0, s.Edges.Length - 1]
                     select (s.Orders, Edges: s.Edges.Append(new OrderEdge(s.Edges[pick].After, s.Edges[pick].Before)).ToArray());
        cyclic.Sample(s =>
        {
            Assert.False(CallbackOrder.TrySort(s.Orders, s.Edges, out _, out var cycle));
            Assert.True(cycle.Length >= 3);
            Assert.Equal(cycle[0], cycle[^1]);
            for (int k = 0; k + 1 < cycle.Length; k++)
                Assert.Contains(s.Edges, e => e.Before == cycle[k] && e.After == cycle[k + 1]);
        });
    }

    private static int CompareKeys(List<int> a, List<int> b, int[] orders)
    {
        for (int k = 0; k < a.Count; k++)
        {
            int c = (orders[a[k]], a[k]).CompareTo((orders[b[k]], b[k]));
            if (c != 0) return c;
        }
        return 0;
    }

    private static IEnumerable<List<int>> Permutations(List<int> items) =>
        items.Count <= 1
            ? [items]
            : items.SelectMany(x => Permutations(items.Where(y => y != x).ToList()).Select(rest => rest.Prepend(x).ToList()));
}
