using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

public class OptimizerStateTests
{
    private static List<Parameter> Params(long seed, params long[][] shapes)
    {
        var generator = new Generator((ulong)seed);
        return shapes.Select(s => new Parameter(randn(s, generator: generator))).ToList();
    }

    private static void SetGrads(IReadOnlyList<Parameter> ps, int step)
    {
        var generator = new Generator((ulong)(100 + step));
        foreach (var p in ps) p.grad = randn(p.shape, generator: generator);
    }

    private static double[] Values(IEnumerable<Parameter> ps) => ps.SelectMany(p => p.data<float>().ToArray().Select(v => (double)v)).ToArray();

    [Fact]
    public void A_loaded_state_dict_continues_exactly_where_the_saved_run_was()
    {
        var shapes = new[] { new long[] { 3, 4 }, [4], [2] };
        var ps = Params(1, shapes);
        using var adam = new Adam(ps, lr: 0.01);
        for (int s = 0; s < 3; s++) { SetGrads(ps, s); adam.Step(); }
        var saved = adam.StateDict();
        var copies = ps.Select(p => new Parameter(p.detach().clone())).ToList();
        for (int s = 3; s < 5; s++) { SetGrads(ps, s); adam.Step(); }

        using var resumed = new Adam(copies, lr: 0.5);   // the saved lr comes back with the state
        resumed.LoadStateDict(saved);
        for (int s = 3; s < 5; s++) { SetGrads(copies, s); resumed.Step(); }
        Assert.Equal(Values(ps), Values(copies));
        Assert.Equal(0.01, resumed.GetHyper("lr"));
        Assert.Equal(["grad_avg", "sqr_avg"], saved.Params[0].Buffers.Keys.Order());
        Assert.Equal(3, saved.Params[0].PerTensor["step"]);
    }

    [Fact]
    public void A_state_dict_from_another_optimizer_or_model_is_refused_and_nothing_changes()
    {
        var ps = Params(1, [3], [2]);
        using var sgd = new SgdMomentum(ps, lr: 0.1);
        SetGrads(ps, 0); sgd.Step();
        using var adam = new Adam(Params(2, [3], [2]), lr: 0.01);
        var error = Assert.Throws<ArgumentException>(() => adam.LoadStateDict(sgd.StateDict()));
        Assert.StartsWith("This state dict was saved by Gen.SgdMomentum; it cannot be loaded into Gen.Adam.", error.Message);

        using var other = new SgdMomentum(Params(3, [3], [5]), lr: 0.1);
        var layout = Assert.Throws<ArgumentException>(() => other.LoadStateDict(sgd.StateDict()));
        Assert.StartsWith("Parameter 1 has shape [5] here but [2] in the state dict", layout.Message);
        Assert.Equal(0.1, other.GetHyper("lr"));
    }

    [Fact]
    public void Params_without_a_gradient_are_skipped_state_and_all()
    {
        var ps = Params(1, [3], [2]);
        using var adam = new Adam(ps, lr: 0.1);
        var before = ps[1].detach().clone();
        ps[0].grad = ones(3);
        adam.Step();
        Assert.True(ps[1].eq(before).all().item<bool>());
        var state = adam.StateDict();
        Assert.Equal(1, state.Params[0].PerTensor["step"]);
        Assert.Equal(0, state.Params[1].PerTensor["step"]);
        Assert.Empty(state.Params[1].Buffers);
    }

    [Fact]
    public void Discriminative_learning_rates_per_param_group()
    {
        // fastai's notebook: groups [p0, p1] at lr 0.01 and [p2, p3] at 0.1; p = [0, 1, 2, 3], grad = [0, .1, .2, .3].
        var ps = Enumerable.Range(0, 4).Select(i => new Parameter(tensor(new double[] { i }))).ToList();
        for (int i = 0; i < 4; i++) ps[i].grad = tensor(new[] { 0.1 * i });
        using var sgd = new Sgd(ps, lr: 0, groups: [[0, 1], [2, 3]]);
        sgd.SetHyper("lr", [0.01, 0.1]);
        sgd.Step();
        var got = ps.Select(p => p.item<double>()).ToArray();
        Assert.Equal([0.0, 0.999, 1.98, 2.97], got.Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void A_slice_spreads_a_hyper_over_the_param_groups_as_fastai()
    {
        using var sgd = new Sgd(Params(1, [1], [1], [1]), lr: 0, groups: [[0], [1], [2]]);
        sgd.SetHyper("lr", Lr.Slice(1e-5, 1e-3));          // fastai's even_mults: 1e-5 * 100^(i/2)
        Assert.Equal([1e-5, 1e-4, 1e-3], Enumerable.Range(0, 3).Select(g => sgd.GetHyper("lr", g)), (a, b) => Math.Abs(a - b) <= 1e-15 * b);
        sgd.SetHyper("wd", Lr.Slice(0.1));                 // slice(stop): the last group at stop, the others at stop / 10
        Assert.Equal([0.01, 0.01, 0.1], Enumerable.Range(0, 3).Select(g => sgd.GetHyper("wd", g)));
        sgd.SetHyper("lr", 0.5);
        Assert.All(Enumerable.Range(0, 3), g => Assert.Equal(0.5, sgd.GetHyper("lr", g)));
    }

    [Fact]
    public void Freeze_to_trains_only_the_later_param_groups()
    {
        var ps = Params(1, [2], [2], [2]);
        using var sgd = new Sgd(ps, lr: 0.1, groups: [[0], [1], [2]]);
        sgd.FreezeTo(1);
        Assert.Equal([false, true, true], ps.Select(p => p.requires_grad));
        sgd.Freeze();
        Assert.Equal([false, false, true], ps.Select(p => p.requires_grad));
        sgd.Unfreeze();
        Assert.Equal([true, true, true], ps.Select(p => p.requires_grad));
        Assert.Throws<ArgumentException>(() => sgd.SetHyper("lr", [0.1, 0.2]));
    }

    [Fact]
    public void A_fused_step_and_zero_grad_allocate_no_managed_memory()
    {
        var ps = Params(1, [64, 32], [32], [5]);
        SetGrads(ps, 0);
        using var adam = new Adam(ps, lr: 0.01);
        adam.Step();                                    // first step: state buffers and cached pointers
        adam.ZeroGrad();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int s = 0; s < 100; s++) { adam.Step(); adam.ZeroGrad(); }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.All(ps, p => Assert.Equal(0, p.grad!.abs().sum().item<float>()));
    }

    [Fact]
    public void Weight_decay_can_be_turned_off_per_parameter_as_fastais_do_wd()
    {
        var ps = Enumerable.Range(0, 2).Select(_ => new Parameter(ones(3))).ToList();
        foreach (var p in ps) p.grad = zeros(3);
        using var sgd = new Sgd(ps, lr: 0.5, wd: 0.1);
        sgd.SetState("no_wd", 1, 1);
        sgd.Step();
        Assert.Equal(0.95, ps[0].data<float>()[0], 6);   // p *= 1 - lr * wd
        Assert.Equal(1.0, ps[1].data<float>()[0], 6);
        // fastai's name works too (do_wd = False is no_wd = 1), and clear_state keeps it, as fastai's _keep_on_clear.
        sgd.SetState("do_wd", 0, 0);
        Assert.Equal(1, sgd.GetState("no_wd", 0));
        sgd.SetState("force_train", 0, 1);
        sgd.ClearState();
        sgd.Step();
        Assert.Equal(0.95, ps[0].data<float>()[0], 6);
        Assert.Equal(1.0, ps[1].data<float>()[0], 6);
        Assert.Equal(0, sgd.GetState("do_wd", 0));
        Assert.Equal(1, sgd.GetState("force_train", 0));
        Assert.Contains("did you mean 'no_wd'?", Assert.Throws<ArgumentException>(() => sgd.SetState("no_wdd", 0, 0)).Message);
    }

    [Fact]
    public void A_hyper_no_step_reads_is_stored_per_group_as_fastais_set_hyper()
    {
        var ps = Params(2, [3], [2]);
        using var sgd = Optimizers.Sgd(ps, lr: 0.1, groups: [[0], [1]]);   // fastai's SGD keeps mom = 0 as a hyper
        Assert.Equal(0, sgd.GetHyper("mom", 1));
        sgd.SetHyper("mom", [0.9, 0.8]);                                    // one-cycle does this on plain SGD
        Assert.Equal([0.9, 0.8], new[] { sgd.GetHyper("mom", 0), sgd.GetHyper("mom", 1) });
        sgd.SetHyper("dropout_p", 0.5);                                     // fastai stores any name
        Assert.True(sgd.HasHyper("dropout_p"));
        sgd.SetHyper("sqrMom", 0.99);                                       // a step's C# name is fastai's sqr_mom
        Assert.Equal(0.99, sgd.GetHyper("sqr_mom"));

        var state = sgd.StateDict();
        Assert.Equal(0.8, state.Hypers[1]["mom"]);
        using var other = Optimizers.Sgd(ps, lr: 0.1, groups: [[0], [1]]);
        other.LoadStateDict(state);
        Assert.Equal(0.8, other.GetHyper("mom", 1));
        Assert.Equal(0.5, other.GetHyper("dropout_p", 0));

        var typo = Assert.Throws<ArgumentException>(() => sgd.SetHyper("mon", 0.9));
        Assert.Contains("'mon' is not a hyper-parameter of Sgd; did you mean 'mom'?", typo.Message);
        Assert.Contains("did you mean 'wd'?", Assert.Throws<ArgumentException>(() => sgd.SetHyper("wdd", 0.1)).Message);
        Assert.Contains("was never set", Assert.Throws<ArgumentException>(() => sgd.GetHyper("beta")).Message);
        Assert.False(sgd.HasHyper("beta"));
    }
}
