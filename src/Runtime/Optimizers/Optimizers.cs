using System.Collections.Generic;
using TorchSharp.Modules;

namespace Gen;

/// <summary>
/// fastai's optimizer functions with all their arguments and defaults. Each picks the composition fastai would build
/// (weight_decay or l2_reg from <c>decoupleWd</c>; average_grad only when mom is not 0; larc_step on the gradient or
/// its average), compiled into one of the generated optimizers. Hypers that the chosen steps do not read (mom = 0 on
/// SGD) are stored as fastai stores them, so schedules can set them. Each function has two forms: the optimizer over
/// parameters, and fastai's <c>partial(SGD, mom=0.9)</c> as an <see cref="OptimizerFactory"/> for a Learner's optFunc.
/// </summary>
public static class Optimizers
{
    /// <summary>fastai's <c>SGD(params, lr, mom=0, wd=0, decouple_wd=True)</c>.</summary>
    public static FusedOptimizer Sgd(IReadOnlyList<Parameter> parameters, double lr, double mom = 0, double wd = 0, bool decoupleWd = true, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        (mom != 0, decoupleWd) switch
        {
            (false, true) => WithMom(new Gen.Sgd(parameters, lr: lr, wd: wd, groups: groups), mom),
            (false, false) => WithMom(new SgdL2(parameters, lr: lr, wd: wd, groups: groups), mom),
            (true, true) => new SgdMomentum(parameters, lr: lr, mom: mom, wd: wd, groups: groups),
            (true, false) => new SgdMomentumL2(parameters, lr: lr, mom: mom, wd: wd, groups: groups),
        };

    /// <summary>fastai's <c>partial(SGD, ...)</c>: an optFunc.</summary>
    public static OptimizerFactory Sgd(double mom = 0, double wd = 0, bool decoupleWd = true) =>
        (ps, lr, groups) => Sgd(ps, lr, mom, wd, decoupleWd, groups);

    /// <summary>fastai's <c>RMSProp(params, lr, sqr_mom=0.99, mom=0, eps=1e-8, wd=0, decouple_wd=True)</c>.</summary>
    public static FusedOptimizer RmsProp(IReadOnlyList<Parameter> parameters, double lr, double sqrMom = 0.99, double mom = 0, double eps = 1e-8, double wd = 0,
                                         bool decoupleWd = true, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        (mom != 0, decoupleWd) switch
        {
            (false, true) => WithMom(new Gen.RmsProp(parameters, lr: lr, sqrMom: sqrMom, eps: eps, wd: wd, groups: groups), mom),
            (false, false) => WithMom(new RmsPropL2(parameters, lr: lr, sqrMom: sqrMom, eps: eps, wd: wd, groups: groups), mom),
            (true, true) => new RmsPropMomentum(parameters, lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd, groups: groups),
            (true, false) => new RmsPropMomentumL2(parameters, lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd, groups: groups),
        };

    /// <summary>fastai's <c>partial(RMSProp, ...)</c>: an optFunc.</summary>
    public static OptimizerFactory RmsProp(double sqrMom = 0.99, double mom = 0, double eps = 1e-8, double wd = 0, bool decoupleWd = true) =>
        (ps, lr, groups) => RmsProp(ps, lr, sqrMom, mom, eps, wd, decoupleWd, groups);

    /// <summary>fastai's <c>Adam(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01, decouple_wd=True)</c>.</summary>
    public static FusedOptimizer Adam(IReadOnlyList<Parameter> parameters, double lr, double mom = 0.9, double sqrMom = 0.99, double eps = 1e-5, double wd = 0.01,
                                      bool decoupleWd = true, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        decoupleWd ? new Gen.Adam(parameters, lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd, groups: groups)
                   : new AdamL2(parameters, lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd, groups: groups);

    /// <summary>fastai's <c>partial(Adam, ...)</c>: an optFunc; <c>Adam()</c> is the Learner's default.</summary>
    public static OptimizerFactory Adam(double mom = 0.9, double sqrMom = 0.99, double eps = 1e-5, double wd = 0.01, bool decoupleWd = true) =>
        (ps, lr, groups) => Adam(ps, lr, mom, sqrMom, eps, wd, decoupleWd, groups);

    /// <summary>fastai's <c>RAdam(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0, beta=0, decouple_wd=True)</c>.</summary>
    public static FusedOptimizer RAdam(IReadOnlyList<Parameter> parameters, double lr, double mom = 0.9, double sqrMom = 0.99, double eps = 1e-5, double wd = 0,
                                       double beta = 0, bool decoupleWd = true, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        decoupleWd ? new Gen.RAdam(parameters, lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd, beta: beta, groups: groups)
                   : new RAdamL2(parameters, lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd, beta: beta, groups: groups);

    /// <summary>fastai's <c>partial(RAdam, ...)</c>: an optFunc.</summary>
    public static OptimizerFactory RAdam(double mom = 0.9, double sqrMom = 0.99, double eps = 1e-5, double wd = 0, double beta = 0, bool decoupleWd = true) =>
        (ps, lr, groups) => RAdam(ps, lr, mom, sqrMom, eps, wd, beta, decoupleWd, groups);

    /// <summary>fastai's <c>QHAdam(params, lr, mom=0.999, sqr_mom=0.999, nu_1=0.7, nu_2=1.0, eps=1e-8, wd=0, decouple_wd=True)</c>.</summary>
    public static FusedOptimizer QHAdam(IReadOnlyList<Parameter> parameters, double lr, double mom = 0.999, double sqrMom = 0.999, double nu1 = 0.7, double nu2 = 1.0,
                                        double eps = 1e-8, double wd = 0, bool decoupleWd = true, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        decoupleWd ? new Gen.QHAdam(parameters, lr: lr, mom: mom, sqrMom: sqrMom, nu1: nu1, nu2: nu2, eps: eps, wd: wd, groups: groups)
                   : new QHAdamL2(parameters, lr: lr, mom: mom, sqrMom: sqrMom, nu1: nu1, nu2: nu2, eps: eps, wd: wd, groups: groups);

    /// <summary>fastai's <c>partial(QHAdam, ...)</c>: an optFunc.</summary>
    public static OptimizerFactory QHAdam(double mom = 0.999, double sqrMom = 0.999, double nu1 = 0.7, double nu2 = 1.0, double eps = 1e-8, double wd = 0, bool decoupleWd = true) =>
        (ps, lr, groups) => QHAdam(ps, lr, mom, sqrMom, nu1, nu2, eps, wd, decoupleWd, groups);

    /// <summary>fastai's <c>Larc(params, lr, mom=0.9, clip=True, trust_coeff=0.02, eps=1e-8, wd=0, decouple_wd=True)</c>; clip = false is LARS.</summary>
    public static FusedOptimizer Larc(IReadOnlyList<Parameter> parameters, double lr, double mom = 0.9, bool clip = true, double trustCoeff = 0.02, double eps = 1e-8,
                                      double wd = 0, bool decoupleWd = true, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        (mom != 0, clip, decoupleWd) switch
        {
            (true, true, true) => new Gen.Larc(parameters, lr: lr, mom: mom, trustCoeff: trustCoeff, eps: eps, wd: wd, groups: groups),
            (true, false, true) => new Lars(parameters, lr: lr, mom: mom, trustCoeff: trustCoeff, eps: eps, wd: wd, groups: groups),
            (true, true, false) => new LarcL2(parameters, lr: lr, mom: mom, trustCoeff: trustCoeff, eps: eps, wd: wd, groups: groups),
            (true, false, false) => new LarsL2(parameters, lr: lr, mom: mom, trustCoeff: trustCoeff, eps: eps, wd: wd, groups: groups),
            (false, true, true) => WithMom(new LarcNoMomentum(parameters, lr: lr, trustCoeff: trustCoeff, eps: eps, wd: wd, groups: groups), mom),
            (false, false, true) => WithMom(new LarsNoMomentum(parameters, lr: lr, trustCoeff: trustCoeff, eps: eps, wd: wd, groups: groups), mom),
            (false, true, false) => WithMom(new LarcNoMomentumL2(parameters, lr: lr, trustCoeff: trustCoeff, eps: eps, wd: wd, groups: groups), mom),
            (false, false, false) => WithMom(new LarsNoMomentumL2(parameters, lr: lr, trustCoeff: trustCoeff, eps: eps, wd: wd, groups: groups), mom),
        };

    /// <summary>fastai's <c>partial(Larc, ...)</c>: an optFunc.</summary>
    public static OptimizerFactory Larc(double mom = 0.9, bool clip = true, double trustCoeff = 0.02, double eps = 1e-8, double wd = 0, bool decoupleWd = true) =>
        (ps, lr, groups) => Larc(ps, lr, mom, clip, trustCoeff, eps, wd, decoupleWd, groups);

    /// <summary>fastai's <c>Lamb(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0, decouple_wd=True)</c>.</summary>
    public static FusedOptimizer Lamb(IReadOnlyList<Parameter> parameters, double lr, double mom = 0.9, double sqrMom = 0.99, double eps = 1e-5, double wd = 0,
                                      bool decoupleWd = true, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        decoupleWd ? new Gen.Lamb(parameters, lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd, groups: groups)
                   : new LambL2(parameters, lr: lr, mom: mom, sqrMom: sqrMom, eps: eps, wd: wd, groups: groups);

    /// <summary>fastai's <c>partial(Lamb, ...)</c>: an optFunc.</summary>
    public static OptimizerFactory Lamb(double mom = 0.9, double sqrMom = 0.99, double eps = 1e-5, double wd = 0, bool decoupleWd = true) =>
        (ps, lr, groups) => Lamb(ps, lr, mom, sqrMom, eps, wd, decoupleWd, groups);

    /// <summary>fastai's <c>Lookahead(opt, k=6, alpha=0.5)</c>.</summary>
    public static Lookahead Lookahead(FusedOptimizer opt, int k = 6, double alpha = 0.5) => new(opt, k, alpha);

    /// <summary>Lookahead over the optimizer <paramref name="inner"/> makes (a Gen optimizer): an optFunc.</summary>
    public static OptimizerFactory Lookahead(OptimizerFactory inner, int k = 6, double alpha = 0.5) => (ps, lr, groups) =>
    {
        var made = inner(ps, lr, groups);
        if (made is FusedOptimizer fused) return new Lookahead(fused, k, alpha);
        made.Dispose();
        throw new System.ArgumentException($"Lookahead wraps a Gen optimizer (Optimizers.Sgd(), Adam(), ...); this optFunc made a {made.GetType().Name}.", nameof(inner));
    };

    /// <summary>fastai's <c>ranger(params, lr, mom=0.95, wd=0.01, eps=1e-6, **kwargs)</c>: Lookahead over RAdam (kwargs: RAdam's sqr_mom, beta, decouple_wd).</summary>
    public static Lookahead Ranger(IReadOnlyList<Parameter> parameters, double lr, double mom = 0.95, double wd = 0.01, double eps = 1e-6, double sqrMom = 0.99,
                                   double beta = 0, bool decoupleWd = true, IReadOnlyList<IReadOnlyList<int>>? groups = null) =>
        new(RAdam(parameters, lr, mom, sqrMom, eps, wd, beta, decoupleWd, groups));

    /// <summary>fastai's <c>partial(ranger, ...)</c>: an optFunc.</summary>
    public static OptimizerFactory Ranger(double mom = 0.95, double wd = 0.01, double eps = 1e-6, double sqrMom = 0.99, double beta = 0, bool decoupleWd = true) =>
        (ps, lr, groups) => Ranger(ps, lr, mom, wd, eps, sqrMom, beta, decoupleWd, groups);

    /// <summary>fastai passes mom to every optimizer it builds, also when no step reads it (mom = 0): stored, for schedules and the Recorder.</summary>
    private static FusedOptimizer WithMom(FusedOptimizer opt, double mom)
    {
        opt.SetHyper("mom", mom);
        return opt;
    }
}
