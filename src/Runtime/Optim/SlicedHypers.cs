namespace Gen;

/// <summary>fastai's <c>set_hyper</c> with a slice: one value per param group, spread as fastai's fit methods spread a learning rate.</summary>
public static class SlicedHypers
{
    /// <summary>
    /// Sets hyper-parameter <paramref name="name"/> of each param group from <paramref name="value"/>: a number for
    /// all, or <c>Lr.Slice(stop)</c> / <c>Lr.Slice(start, stop)</c> (fastai's <c>slice</c>) across the groups.
    /// </summary>
    public static void SetHyper(this Optimizer opt, string name, Lr value) => opt.SetHyper(name, value.PerGroup(opt.GroupCount));
}
