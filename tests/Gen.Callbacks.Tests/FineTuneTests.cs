using System.Collections.Generic;
using System.Linq;
using Gen.TestSupport;
using TorchSharp.Modules;
using Xunit;
using static Gen.Schedules;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

public partial class FineTuneTests
{
    [Fact]
    public void Fine_tune_phases_follow_fastais_formulas()
    {
        manual_seed(0);
        var body = nn.Linear(1, 4);
        var head = nn.Linear(4, 1);
        var recorder = new Recorder();
        using var learn = new Learner(nn.Sequential(body, nn.ReLU(), head), SynthLearner.Data(trainBatches: 6, validBatches: 1), (p, y) => nn.functional.mse_loss(p, y),
            optFunc: Adam.Create, cbs: [recorder, Progress.Quiet()],
            splitter: _ => new IEnumerable<Parameter>[] { body.parameters(), head.parameters() });
        var bodyBefore = body.weight!.data<float>().ToArray();
        var firstGroupLrs = new List<double>();
        var bodyMoved = new List<bool>();
        learn.FineTune(epochs: 2, baseLr: 2e-3, freezeEpochs: 1, cbs: [new Watch(firstGroupLrs, bodyMoved, () => !body.weight!.data<float>().ToArray().SequenceEqual(bodyBefore))]);

        // The frozen phase (6 batches) left the body alone; the second phase trained it.
        Assert.Equal(12, recorder.Lrs.Count);   // the last fit: 2 epochs of 6 batches
        Assert.Equal(Enumerable.Repeat(false, 6), bodyMoved.Take(6));
        Assert.All(bodyMoved.Skip(6), Assert.True);
        // Second phase: slice(1e-3/100, 1e-3) over two groups -> [1e-5, 1e-3], one-cycle with div 5 and pct_start 0.3.
        for (int i = 0; i < 12; i++)
        {
            double pos = i / 12.0;
            ScheduleTests.AssertClose(CombinedCos(0.3, 1e-3 / 5, 1e-3, 1e-3 / 1e5)(pos), recorder.Lrs[i], 1e-12, $"head lr[{i}]");
            ScheduleTests.AssertClose(CombinedCos(0.3, 1e-5 / 5, 1e-5, 1e-5 / 1e5)(pos), firstGroupLrs[6 + i], 1e-12, $"body lr[{i}]");
        }
        // First phase: slice(2e-3) -> body 2e-4, head 2e-3, pct_start 0.99, div 25.
        for (int i = 0; i < 6; i++)
            ScheduleTests.AssertClose(CombinedCos(0.99, 2e-4 / 25, 2e-4, 2e-4 / 1e5)(i / 6.0), firstGroupLrs[i], 1e-12, $"frozen body lr[{i}]");
    }

    /// <summary>After every training batch: param group 0's lr, and whether the body has moved from its initial weights.</summary>
    private sealed partial class Watch(List<double> lrs, List<bool> moved, System.Func<bool> bodyMoved) : Callback
    {
        [Event]
        void AfterBatch(Learner learn)
        {
            if (!learn.Training) return;
            lrs.Add(learn.Opt!.GetHyper("lr", 0));
            moved.Add(bodyMoved());
        }
    }
}
