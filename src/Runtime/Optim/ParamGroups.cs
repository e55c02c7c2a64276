using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp.Modules;

namespace Gen;

/// <summary>
/// An optimizer's parameters and param groups: the group of each parameter, each group's members in order and a
/// parameter's position among them. Checked when the optimizer is made: every parameter is in exactly one group.
/// </summary>
internal sealed class ParamGroups
{
    private readonly int[][] _members;
    private readonly int[] _positionInGroup;

    /// <param name="parameters">The parameters, in order.</param>
    /// <param name="groups">Param groups as lists of indices into <paramref name="parameters"/>; null: one group.</param>
    public ParamGroups(IReadOnlyList<Parameter> parameters, IReadOnlyList<IReadOnlyList<int>>? groups)
    {
        Parameters = parameters ?? throw new ArgumentNullException(nameof(parameters));
        if (parameters.Count == 0) throw new ArgumentException("The optimizer got no parameters; pass the model's parameters (model.parameters()).", nameof(parameters));
        GroupOf = Assign(parameters.Count, groups ?? [Enumerable.Range(0, parameters.Count).ToArray()]);
        Count = GroupOf.Max() + 1;
        _members = Enumerable.Range(0, Count).Select(g => Enumerable.Range(0, parameters.Count).Where(i => GroupOf[i] == g).ToArray()).ToArray();
        _positionInGroup = new int[parameters.Count];
        foreach (var members in _members)
            for (int k = 0; k < members.Length; k++) _positionInGroup[members[k]] = k;
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The param group of each parameter.</summary>
    public int[] GroupOf { get; }

    public int Count { get; }

    /// <summary>Group <paramref name="g"/>'s parameters, by index, in order.</summary>
    public int[] Members(int g) => _members[g];

    /// <summary>Parameter <paramref name="i"/>'s index in its group's <see cref="Members"/>.</summary>
    public int PositionInGroup(int i) => _positionInGroup[i];

    private static int[] Assign(int count, IReadOnlyList<IReadOnlyList<int>> groups)
    {
        var groupOf = Enumerable.Repeat(-1, count).ToArray();
        for (int g = 0; g < groups.Count; g++)
            foreach (int i in groups[g])
            {
                if ((uint)i >= (uint)count) throw new ArgumentException($"Param group {g} names parameter {i}, but there are {count} parameters.", "groups");
                if (groupOf[i] >= 0) throw new ArgumentException($"Parameter {i} is in param groups {groupOf[i]} and {g}; each parameter belongs to one group.", "groups");
                groupOf[i] = g;
            }
        int missing = Array.IndexOf(groupOf, -1);
        if (missing >= 0) throw new ArgumentException($"Parameter {missing} is in no param group; every parameter needs one.", "groups");
        return groupOf;
    }
}
