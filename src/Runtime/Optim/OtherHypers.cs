using System;
using System.Collections.Generic;
using System.Linq;
using Gen.Ordering;

namespace Gen;

/// <summary>
/// Hypers that no step of an optimizer reads, kept per param group as fastai's <c>set_hyper</c> keeps any name
/// (one-cycle sets <c>mom</c> on plain SGD). A name one or two edits away from a hyper of this optimizer or of
/// fastai's optimizers is taken for a typo and refused with the nearest name.
/// </summary>
internal sealed class OtherHypers(int groups)
{
    /// <summary>The hypers of fastai's optimizer functions, by fastai's names.</summary>
    public static readonly IReadOnlyList<string> FastaiNames = ["lr", "mom", "sqr_mom", "eps", "wd", "beta", "nu_1", "nu_2", "trust_coeff"];

    private readonly Dictionary<string, double>[] _byGroup = Enumerable.Range(0, groups).Select(_ => new Dictionary<string, double>()).ToArray();

    /// <summary>The names stored so far, in the order first set.</summary>
    public List<string> Names { get; } = [];

    /// <summary>Stores <paramref name="name"/> (fastai's snake case; a step's C# name is converted) for param group <paramref name="group"/>.</summary>
    public void Set(string name, int group, double value, Optimizer owner, IReadOnlyList<string> ownNames)
    {
        var key = CallbackNaming.HyperName(name);
        if (!Names.Contains(key))
        {
            CheckName(key, owner, ownNames);
            Names.Add(key);
        }
        _byGroup[group][key] = value;
    }

    public bool TryGet(string name, int group, out double value) => _byGroup[group].TryGetValue(CallbackNaming.HyperName(name), out value);

    public bool Has(string name) => Names.Contains(CallbackNaming.HyperName(name));

    /// <summary>Refuses <paramref name="key"/> when it is a near miss of a known hyper name (a typo), naming the nearest.</summary>
    public void CheckName(string key, Optimizer owner, IReadOnlyList<string> ownNames)
    {
        var known = ownNames.Concat(FastaiNames).Concat(Names).Distinct().ToList();
        if (known.Contains(key)) return;
        if (NameDistance.Suggest(key, known) is not { } nearest) return;
        throw new ArgumentException(
            $"'{key}' is not a hyper-parameter of {owner.GetType().Name}; did you mean '{nearest}'? It has: {string.Join(", ", ownNames.Concat(Names))}.", "name");
    }
}
