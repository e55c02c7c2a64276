using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Gen;

namespace Benchmarks.Fit;

/// <summary>
/// Wall-clock time per phase of the training batches, from timestamps taken at the loop's events: data (the end of the
/// previous batch, or of before_train, to the end of before_batch: the loader's batch and before_batch's handlers),
/// forward (to after_pred), loss (to after_loss), backward (before_backward to after_backward), step (before_step to
/// after_step), rest (after_step to after_batch: zero_grad and after_batch's handlers, plus the event gaps between loss,
/// backward and step), and validation (before_validate to after_validate). One callback has one place in every event;
/// it runs last, so each mark falls after the other callbacks' handlers of its event and every handler's time lands in
/// the phase its event ends, as "data includes before_batch" asks.
/// </summary>
[Order(1000)]
public sealed partial class Timing : Callback
{
    private enum Phase { Data, Forward, Loss, Backward, Step, Rest, Validation }

    private static readonly Phase[] Phases = Enum.GetValues<Phase>();

    private readonly long[] _ticks = new long[Phases.Length];
    private long _mark, _fitStart, _fitTicks;
    private int _trainBatches;

    [Event] void BeforeFit() => _fitStart = Stopwatch.GetTimestamp();

    [Event] void BeforeTrain() => _mark = Stopwatch.GetTimestamp();

    [Event] void BeforeBatch(Learner learn) => Lap(learn, Phase.Data);

    [Event] void AfterPred(Learner learn) => Lap(learn, Phase.Forward);

    [Event] void AfterLoss(Learner learn) => Lap(learn, Phase.Loss);

    [Event] void BeforeBackward(Learner learn) => Lap(learn, Phase.Rest);

    [Event] void AfterBackward(Learner learn) => Lap(learn, Phase.Backward);

    [Event] void BeforeStep(Learner learn) => Lap(learn, Phase.Rest);

    [Event] void AfterStep(Learner learn) => Lap(learn, Phase.Step);

    [Event]
    void AfterBatch(Learner learn)
    {
        if (!learn.Training) return;
        Lap(learn, Phase.Rest);
        _trainBatches++;
    }

    [Event] void BeforeValidate() => _mark = Stopwatch.GetTimestamp();

    [Event] void AfterValidate() => Add(Phase.Validation);

    [Event] void AfterFit() => _fitTicks = Stopwatch.GetTimestamp() - _fitStart;

    /// <summary>Adds the time since the last mark to <paramref name="phase"/> (training batches only) and marks now.</summary>
    private void Lap(Learner learn, Phase phase)
    {
        if (learn.Training) Add(phase);
    }

    private void Add(Phase phase)
    {
        long now = Stopwatch.GetTimestamp();
        _ticks[(int)phase] += now - _mark;
        _mark = now;
    }

    /// <summary>One line per phase: total seconds, µs per training batch, share of the fit; then what lies outside them.</summary>
    public void Write(TextWriter output)
    {
        long phases = 0;
        foreach (var phase in Phases)
        {
            Line(output, phase.ToString().ToLowerInvariant(), _ticks[(int)phase]);
            phases += _ticks[(int)phase];
        }
        Line(output, "other", _fitTicks - phases);
        Line(output, "fit", _fitTicks);
    }

    private void Line(TextWriter output, string name, long ticks)
    {
        double seconds = (double)ticks / Stopwatch.Frequency;
        double share = _fitTicks == 0 ? double.NaN : (double)ticks / _fitTicks;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-10} {seconds,8:F3} s  {seconds * 1e6 / Math.Max(1, _trainBatches),8:F0} µs/train batch  {share,7:P1}"));
    }
}
