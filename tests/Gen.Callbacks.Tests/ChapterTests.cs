using System;
using System.Linq;
using FashionMnist;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Callbacks.Tests;

/// <summary>
/// The chapter's experiments, line by line, on a small classification problem with a BatchNorm model: the default
/// Learner (fastai's Adam, one-cycle), SGD after lr_find, and each optimizer the chapter writes by hand (as
/// samples/FashionMnist writes them); each hand-written one trains exactly as fastai's own function with the same arithmetic.
/// </summary>
public class ChapterTests
{
    /// <summary>get_learner(**kwargs): the same model, data and metrics every time, quiet.</summary>
    private static Learner GetLearner(OptimizerFactory? optFunc = null)
    {
        manual_seed(7);
        var model = nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 4));
        return new Learner(model, Blobs(), (p, t) => nn.functional.cross_entropy(p, t), optFunc: optFunc,
                           metrics: [Metrics.Accuracy()], cbs: [Progress.Quiet()]);
    }

    /// <summary>Four Gaussian blobs in the plane, one class each.</summary>
    private static DataLoaders Blobs()
    {
        var generator = new Generator(11);
        (Tensor X, Tensor Y) Make(int perClass)
        {
            var centers = tensor(new float[,] { { 2, 2 }, { -2, 2 }, { -2, -2 }, { 2, -2 } });
            var y = arange(4, dtype: int64).repeat_interleave(perClass);
            return (centers[y] + randn(4 * perClass, 2, generator: generator), y);
        }
        var (xt, yt) = Make(128);
        var (xv, yv) = Make(32);
        return DataLoaders.FromTensors(xt, yt, xv, yv, batchSize: 32, seed: 3);
    }

    private static float[] Weights(Learner learn) => learn.Model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    private static void AssertSameTraining(Learner a, Learner b)
    {
        var (x, y) = (Weights(a), Weights(b));
        for (int i = 0; i < x.Length; i++) Assert.Equal(y[i], x[i], 1e-4f * Math.Max(1, Math.Abs(y[i])));
    }

    private static double Accuracy(Learner learn) => learn.Get<Recorder>()!.Values[^1].Metrics[0];

    [Fact]
    public void The_default_learner_is_fastais_adam_with_one_cycle()
    {
        using var learn = GetLearner();                   // learn = get_learner()
        learn.FitOneCycle(3, 0.003);                      // learn.fit_one_cycle(3, 0.003)
        Assert.IsType<Adam>(learn.Opt);
        Assert.True(Accuracy(learn) > 0.85, $"accuracy {Accuracy(learn)}");
        var moms = learn.Get<Recorder>()!.Moms;
        Assert.Equal(0.95, moms[0], 12);
        Assert.Equal(0.85, moms.Min(), 3);
        // wd_bn_bias = False: no weight decay on BatchNorm's parameters and on biases; train_bn: BatchNorm trains when frozen.
        var opt = learn.Opt!.Fused!;
        Assert.Equal([1.0, 0, 0, 0, 1, 0], Enumerable.Range(0, 6).Select(i => opt.GetState("do_wd", i)));
        Assert.Equal([0.0, 0, 1, 1, 0, 0], Enumerable.Range(0, 6).Select(i => opt.GetState("force_train", i)));
    }

    [Fact]
    public void Sgd_after_lr_find_trains_with_one_cycle_and_no_momentum()
    {
        using var learn = GetLearner(Optimizers.Sgd());   // learn = get_learner(opt_func=SGD)
        var suggestions = learn.LrFind();                 // learn.lr_find()
        Assert.NotEmpty(suggestions);
        learn.FitOneCycle(3, 0.03, moms: (0, 0, 0));      // learn.fit_one_cycle(3, 0.03, moms=(0,0,0))
        Assert.IsType<Sgd>(learn.Opt);
        Assert.All(learn.Get<Recorder>()!.Moms, m => Assert.Equal(0, m));
        Assert.True(Accuracy(learn) > 0.85, $"accuracy {Accuracy(learn)}");
    }

    [Fact]
    public void The_chapters_sgd_cb_is_fastais_sgd()
    {
        using var chapter = GetLearner(SgdCb.Create);   // opt_func = partial(Optimizer, cbs=[sgd_cb])
        using var fastai = GetLearner(Optimizers.Sgd());
        chapter.Fit(3, 0.03);                                // learn.fit(3, 0.03)
        fastai.Fit(3, 0.03);
        AssertSameTraining(chapter, fastai);
        chapter.FitOneCycle(1, 0.03);                        // one-cycle sets mom, which sgd_cb does not read: stored
        Assert.Equal(0.95, chapter.Get<Recorder>()!.Moms[0], 12);
        Assert.True(chapter.Opt!.HasHyper("mom"));
    }

    [Fact]
    public void The_chapters_average_grad_and_momentum_step_are_fastais_sgd_with_momentum()
    {
        using var chapter = GetLearner(MomentumCb.Create);
        using var fastai = GetLearner(Optimizers.Sgd(mom: 0.9));
        chapter.FitOneCycle(3, 0.03);                        // learn.fit_one_cycle(3, 0.03)
        fastai.FitOneCycle(3, 0.03);
        AssertSameTraining(chapter, fastai);
        Assert.True(Accuracy(chapter) > 0.85, $"accuracy {Accuracy(chapter)}");
    }

    [Fact]
    public void The_chapters_rmsprop_is_fastais_rmsprop()
    {
        using var chapter = GetLearner(RmsPropCb.Create);
        using var fastai = GetLearner(Optimizers.RmsProp(eps: 1e-7));
        chapter.FitOneCycle(3, 0.003);                       // learn.fit_one_cycle(3, 0.003)
        fastai.FitOneCycle(3, 0.003);
        AssertSameTraining(chapter, fastai);
        Assert.True(Accuracy(chapter) > 0.85, $"accuracy {Accuracy(chapter)}");
    }

    [Fact]
    public void Every_fit_policy_runs_on_every_shipped_optimizer()
    {
        OptimizerFactory[] all =
        [
            Optimizers.Sgd(), Optimizers.Sgd(mom: 0.9, decoupleWd: false), Optimizers.RmsProp(), Optimizers.RmsProp(mom: 0.9), Optimizers.Adam(),
            Optimizers.RAdam(), Optimizers.QHAdam(), Optimizers.Larc(), Optimizers.Larc(mom: 0, clip: false), Optimizers.Lamb(), Optimizers.Ranger(),
            Optimizers.Lookahead(Optimizers.Sgd(mom: 0.9)), TorchOptimizer.Adam,
        ];
        foreach (var optFunc in all)
        {
            using var learn = GetLearner(optFunc);
            learn.FitOneCycle(1, 1e-3);
            learn.FitFlatCos(1, 1e-3);
            learn.FitSgdr(1, 1, 1e-3);
            if (learn.Opt!.Fused is null) continue;   // TorchSharp's own optimizers have no state to save and restore
            learn.LrFind(numIt: 10);
            learn.FineTune(1, 1e-3, freezeEpochs: 1);
        }
    }
}
