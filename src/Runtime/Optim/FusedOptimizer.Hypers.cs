using System;
using System.ComponentModel;
using System.Collections.Generic;
using System.Linq;
using Gen.Ordering;

namespace Gen;

// Hyper-parameters as fastai's Optimizer keeps them: the steps' own (typed fields, generated) and any other name
// set_hyper is given (one-cycle's mom on plain SGD), both per param group.
public abstract partial class FusedOptimizer
{
    private OtherHypers? _otherHypers;

    private OtherHypers Others => _otherHypers ??= new OtherHypers(GroupCount);

    /// <summary>
    /// Sets hyper-parameter <paramref name="name"/> of param group <paramref name="group"/> (fastai's or the step's
    /// name: sqr_mom or sqrMom). A name no step reads is stored as fastai stores it; a misspelt one is refused.
    /// </summary>
    public abstract override void SetHyper(string name, int group, double value);

    /// <summary>fastai's set_hyper with one value: every param group.</summary>
    public override void SetHyper(string name, double value)
    {
        for (int g = 0; g < GroupCount; g++) SetHyper(name, g, value);
    }

    /// <summary>Whether the optimizer has hyper-parameter <paramref name="name"/>: one its steps read, or one set since.</summary>
    public override bool HasHyper(string name) => HyperNames.Contains(CallbackNaming.HyperName(name)) || _otherHypers?.Has(name) == true;

    /// <summary>
    /// For names the generated switch does not match: another spelling of a step's hyper (<c>Lr</c>, <c>SqrMom</c>) sets
    /// it; any other name is stored, as fastai stores a hyper that no step reads.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected void SetOtherHyper(string name, int group, double value)
    {
        var key = CallbackNaming.HyperName(name);
        if (HyperNames.Contains(key)) SetHyper(key, group, value);
        else Others.Set(key, group, value, this, HyperNames);
    }

    /// <summary>Another spelling of a step's hyper, or a stored hyper that no step reads; an error when it was never set.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected double OtherHyper(string name, int group)
    {
        var key = CallbackNaming.HyperName(name);
        if (HyperNames.Contains(key)) return GetHyper(key, group);
        return _otherHypers is not null && _otherHypers.TryGet(key, group, out var value) ? value
            : throw new ArgumentException($"'{name}' is not a hyper-parameter of {GetType().Name} and was never set; it has: {string.Join(", ", AllHyperNames)}.", nameof(name));
    }

    /// <summary>The steps' hypers and the others set so far, by fastai's names.</summary>
    private IEnumerable<string> AllHyperNames => HyperNames.Concat(_otherHypers?.Names ?? []);

    /// <summary>Every hyper of param group <paramref name="group"/>, by fastai's name.</summary>
    private Dictionary<string, double> HypersOf(int group)
    {
        var hypers = HyperNames.ToDictionary(h => h, h => GetHyper(h, group));
        foreach (var name in _otherHypers?.Names ?? [])
            if (_otherHypers!.TryGet(name, group, out var value)) hypers[name] = value;
        return hypers;
    }
}
