using System;
using System.Collections.Generic;
using System.Linq;

namespace Gen;

/// <summary>
/// fastai's ParamScheduler (order 60, training batches only): before every training batch sets each scheduled
/// hyper-parameter to its schedule's value at <see cref="Learner.PctTrain"/>, and after it records the value in
/// effect (the last param group's, as fastai). A hyper can have one schedule for all groups or one per group.
/// </summary>
[Order(60)]
public sealed partial class ParamScheduler : Callback, ICheckpointed
{
    private readonly string[] _names;
    private readonly Schedule[][] _scheds;
    private readonly List<double>[] _records;

    /// <summary>One schedule per hyper-parameter (fastai's names: lr, mom, wd, ...), for every param group.</summary>
    public ParamScheduler(IReadOnlyDictionary<string, Schedule> scheds)
        : this(scheds.ToDictionary(s => s.Key, s => new[] { s.Value })) { }

    /// <summary>Per hyper-parameter, one schedule for every param group or one per group (fastai's schedules of arrays).</summary>
    public ParamScheduler(IReadOnlyDictionary<string, Schedule[]> scheds)
    {
        ArgumentNullException.ThrowIfNull(scheds);
        if (scheds.Count == 0) throw new ArgumentException("ParamScheduler needs at least one schedule, e.g. { [\"lr\"] = SchedCos(1e-3, 1e-5) }.", nameof(scheds));
        _names = scheds.Keys.ToArray();
        _scheds = scheds.Values.ToArray();
        if (_scheds.Any(s => s.Length == 0)) throw new ArgumentException("Each scheduled hyper-parameter needs a schedule.", nameof(scheds));
        _records = _names.Select(_ => new List<double>()).ToArray();
        Hps = _names.Zip(_records).ToDictionary(p => p.First, p => p.Second);
    }

    /// <summary>The values each hyper had in every training batch of the last fit (fastai's <c>hps</c>).</summary>
    public IReadOnlyDictionary<string, List<double>> Hps { get; }

    [Event]
    void BeforeFit(Learner learn)
    {
        foreach (var values in _records)   // a resumed fit keeps the values of the batches before its start (TrainEval has set TrainIter)
            if (learn.StartEpoch == 0) values.Clear();
            else if (values.Count > learn.TrainIter) values.RemoveRange(learn.TrainIter, values.Count - learn.TrainIter);
        int groups = learn.Opt!.GroupCount;
        for (int k = 0; k < _names.Length; k++)
            if (_scheds[k].Length != 1 && _scheds[k].Length != groups)
                throw new ArgumentException($"'{_names[k]}' has {_scheds[k].Length} schedules but the optimizer has {groups} param groups; give one schedule, or one per group.");
    }

    [Event]
    void BeforeBatch(Learner learn)
    {
        if (!learn.Training) return;
        var opt = learn.Opt!;
        for (int k = 0; k < _names.Length; k++)
        {
            var scheds = _scheds[k];
            if (scheds.Length == 1) opt.SetHyper(_names[k], scheds[0](learn.PctTrain));
            else for (int g = 0; g < scheds.Length; g++) opt.SetHyper(_names[k], g, scheds[g](learn.PctTrain));
        }
    }

    [Event]
    void AfterBatch(Learner learn)
    {
        if (!learn.Training) return;
        var opt = learn.Opt!;
        for (int k = 0; k < _names.Length; k++) _records[k].Add(opt.GetHyper(_names[k], opt.GroupCount - 1));
    }

    /// <summary>Checkpoints keep the recorded values under "param_scheduler" (the schedules themselves are the fit's arguments).</summary>
    public string CheckpointKey => "param_scheduler";

    /// <summary>Writes the values recorded so far, each hyper's as "hps.{name}".</summary>
    public void SaveState(CheckpointState state)
    {
        for (int k = 0; k < _names.Length; k++) state.Set($"hps.{_names[k]}", _records[k]);
    }

    /// <summary>Replaces the recorded values with the checkpoint's; every hyper's is read before any changes.</summary>
    public void LoadState(CheckpointState state)
    {
        var loaded = _names.Select(name => state.GetDoubles($"hps.{name}")).ToArray();   // all read before any changes
        for (int k = 0; k < _names.Length; k++)
        {
            _records[k].Clear();
            _records[k].AddRange(loaded[k]);
        }
    }
}
