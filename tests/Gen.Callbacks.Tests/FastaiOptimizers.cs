using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using TorchSharp.Modules;

namespace Gen.Callbacks.Tests;

/// <summary>
/// fastai's optimizer calls, as the reference files and the parity tests spell them (function name, fastai's keyword
/// arguments), made through Gen's entry points (<see cref="Optimizers"/>); and which generated class has each of
/// fastai's callback lists. A keyword Gen's entry point does not take fails the case.
/// </summary>
internal static class FastaiOptimizers
{
    /// <summary>fastai's callback list (as the reference spells it) -> the generated optimizer with that composition.</summary>
    public static readonly IReadOnlyDictionary<string, Type> ByComposition = new Dictionary<string, Type>
    {
        ["weight_decay, sgd_step"] = typeof(Sgd),
        ["l2_reg, sgd_step"] = typeof(SgdL2),
        ["weight_decay, average_grad, momentum_step"] = typeof(SgdMomentum),
        ["l2_reg, average_grad, momentum_step"] = typeof(SgdMomentumL2),
        ["weight_decay, average_sqr_grad, rms_prop_step"] = typeof(RmsProp),
        ["l2_reg, average_sqr_grad, rms_prop_step"] = typeof(RmsPropL2),
        ["weight_decay, average_grad, average_sqr_grad, rms_prop_step"] = typeof(RmsPropMomentum),
        ["l2_reg, average_grad, average_sqr_grad, rms_prop_step"] = typeof(RmsPropMomentumL2),
        ["weight_decay, average_grad(dampening=True), average_sqr_grad, step_stat, adam_step"] = typeof(Adam),
        ["l2_reg, average_grad(dampening=True), average_sqr_grad, step_stat, adam_step"] = typeof(AdamL2),
        ["weight_decay, average_grad(dampening=True), average_sqr_grad, step_stat, radam_step"] = typeof(RAdam),
        ["l2_reg, average_grad(dampening=True), average_sqr_grad, step_stat, radam_step"] = typeof(RAdamL2),
        ["weight_decay, average_grad(dampening=True), average_sqr_grad(dampening=True), step_stat, qhadam_step"] = typeof(QHAdam),
        ["l2_reg, average_grad(dampening=True), average_sqr_grad(dampening=True), step_stat, qhadam_step"] = typeof(QHAdamL2),
        ["weight_decay, average_grad, larc_layer_lr(clip=True), larc_step"] = typeof(Larc),
        ["weight_decay, average_grad, larc_layer_lr(clip=False), larc_step"] = typeof(Lars),
        ["l2_reg, average_grad, larc_layer_lr(clip=True), larc_step"] = typeof(LarcL2),
        ["l2_reg, average_grad, larc_layer_lr(clip=False), larc_step"] = typeof(LarsL2),
        ["weight_decay, larc_layer_lr(clip=True), larc_step"] = typeof(LarcNoMomentum),
        ["weight_decay, larc_layer_lr(clip=False), larc_step"] = typeof(LarsNoMomentum),
        ["l2_reg, larc_layer_lr(clip=True), larc_step"] = typeof(LarcNoMomentumL2),
        ["l2_reg, larc_layer_lr(clip=False), larc_step"] = typeof(LarsNoMomentumL2),
        ["weight_decay, average_grad(dampening=True), average_sqr_grad, step_stat, lamb_step"] = typeof(Lamb),
        ["l2_reg, average_grad(dampening=True), average_sqr_grad, step_stat, lamb_step"] = typeof(LambL2),
    };

    /// <summary>
    /// fastai's <paramref name="function"/>(params, lr, **kwargs) through <see cref="Optimizers"/>, wrapped in Lookahead
    /// when <paramref name="lookahead"/> is given (ranger always is, with fastai's k = 6, alpha = 0.5).
    /// </summary>
    public static Optimizer Create(string function, double lr, IReadOnlyDictionary<string, object> kwargs, IReadOnlyList<Parameter> ps,
                                   IReadOnlyList<IReadOnlyList<int>>? groups, (int K, double Alpha)? lookahead = null)
    {
        var a = new Args(function, kwargs);
        Optimizer opt = function switch
        {
            "SGD" => Optimizers.Sgd(ps, lr, mom: a.Num("mom", 0), wd: a.Num("wd", 0), decoupleWd: a.Flag("decouple_wd", true), groups: groups),
            "RMSProp" => Optimizers.RmsProp(ps, lr, sqrMom: a.Num("sqr_mom", 0.99), mom: a.Num("mom", 0), eps: a.Num("eps", 1e-8), wd: a.Num("wd", 0),
                                            decoupleWd: a.Flag("decouple_wd", true), groups: groups),
            "Adam" => Optimizers.Adam(ps, lr, mom: a.Num("mom", 0.9), sqrMom: a.Num("sqr_mom", 0.99), eps: a.Num("eps", 1e-5), wd: a.Num("wd", 0.01),
                                      decoupleWd: a.Flag("decouple_wd", true), groups: groups),
            "RAdam" => Optimizers.RAdam(ps, lr, mom: a.Num("mom", 0.9), sqrMom: a.Num("sqr_mom", 0.99), eps: a.Num("eps", 1e-5), wd: a.Num("wd", 0),
                                        beta: a.Num("beta", 0), decoupleWd: a.Flag("decouple_wd", true), groups: groups),
            "QHAdam" => Optimizers.QHAdam(ps, lr, mom: a.Num("mom", 0.999), sqrMom: a.Num("sqr_mom", 0.999), nu1: a.Num("nu_1", 0.7), nu2: a.Num("nu_2", 1.0),
                                          eps: a.Num("eps", 1e-8), wd: a.Num("wd", 0), decoupleWd: a.Flag("decouple_wd", true), groups: groups),
            "Larc" => Optimizers.Larc(ps, lr, mom: a.Num("mom", 0.9), clip: a.Flag("clip", true), trustCoeff: a.Num("trust_coeff", 0.02), eps: a.Num("eps", 1e-8),
                                      wd: a.Num("wd", 0), decoupleWd: a.Flag("decouple_wd", true), groups: groups),
            "Lamb" => Optimizers.Lamb(ps, lr, mom: a.Num("mom", 0.9), sqrMom: a.Num("sqr_mom", 0.99), eps: a.Num("eps", 1e-5), wd: a.Num("wd", 0),
                                      decoupleWd: a.Flag("decouple_wd", true), groups: groups),
            "ranger" => Optimizers.Ranger(ps, lr, mom: a.Num("mom", 0.95), wd: a.Num("wd", 0.01), eps: a.Num("eps", 1e-6), sqrMom: a.Num("sqr_mom", 0.99),
                                          beta: a.Num("beta", 0), decoupleWd: a.Flag("decouple_wd", true), groups: groups),
            _ => throw new ArgumentException($"No Gen entry point for fastai's optimizer function '{function}'.", nameof(function)),
        };
        a.ThrowOnUnused();
        if (function == "ranger")
        {
            if (lookahead is { } l && l != (6, 0.5)) throw new ArgumentException($"fastai's ranger uses Lookahead(k=6, alpha=0.5), not {l}.", nameof(lookahead));
            return opt;
        }
        return lookahead is { } la ? Optimizers.Lookahead((FusedOptimizer)opt, la.K, la.Alpha) : opt;
    }

    /// <summary>Keyword arguments by fastai's names (numbers, bools or JSON values); a name no lookup asked for fails the case.</summary>
    private sealed class Args(string function, IReadOnlyDictionary<string, object> given)
    {
        private readonly HashSet<string> _read = [];

        public double Num(string name, double fastaiDefault)
        {
            _read.Add(name);
            return !given.TryGetValue(name, out var v) ? fastaiDefault : v switch
            {
                double d => d,
                int i => i,
                JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
                _ => throw new ArgumentException($"{function}: '{name}' = {v} is not a number."),
            };
        }

        public bool Flag(string name, bool fastaiDefault)
        {
            _read.Add(name);
            return !given.TryGetValue(name, out var v) ? fastaiDefault : v switch
            {
                bool b => b,
                JsonElement { ValueKind: JsonValueKind.True or JsonValueKind.False } e => e.GetBoolean(),
                _ => throw new ArgumentException($"{function}: '{name}' = {v} is not a bool."),
            };
        }

        public void ThrowOnUnused()
        {
            var unused = given.Keys.FirstOrDefault(k => !_read.Contains(k));
            if (unused is not null) throw new ArgumentException($"Gen's {function} entry point has no argument for fastai's '{unused}'.");
        }
    }
}
