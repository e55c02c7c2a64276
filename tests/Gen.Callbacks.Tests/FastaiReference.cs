using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace Gen.Callbacks.Tests;

/// <summary>
/// Test oracle: an independent port of fastai 2.7.12's <c>fastai/optimizer.py</c> (the optimizer callbacks,
/// <c>Optimizer.step</c>, the optimizer functions, <c>Lookahead</c> and <c>ranger</c>) on plain float64 arrays.
/// Every element-wise expression keeps the evaluation order of the torch CPU kernel fastai calls:
/// <c>add_(t, alpha=a)</c> is a fused multiply-add <c>fma(a, t, p)</c> (see <see cref="AddScaled"/>),
/// <c>addcmul_(t1, t2, value=v)</c> is <c>p + (v*t1)*t2</c> and <c>addcdiv_(t1, t2, value=v)</c> is <c>p + (v*t1)/t2</c>;
/// Python-float hyper arithmetic is done first, as in Python.
/// </summary>
internal sealed class FastaiReference
{
    // ---------------------------------------------------------------------------------------------
    // Per-parameter state (fastai's Optimizer.state[p] dict) and per-group hypers (Optimizer.hypers).
    // ---------------------------------------------------------------------------------------------

    private sealed class ParamState
    {
        public double[]? GradAvg;   // 'grad_avg'
        public double[]? SqrAvg;    // 'sqr_avg'
        public int Step;            // 'step' (step_stat's default is 0)
        public double? LocalLr;     // 'local_lr'
        public bool DoWd = true;    // 'do_wd' (weight_decay / l2_reg default True)
    }

    private sealed class Hypers
    {
        private readonly Dictionary<string, double> _values;

        public Hypers(Dictionary<string, double> values) => _values = values;

        public double this[string name]
        {
            get => _values.TryGetValue(name, out double v)
                ? v
                : throw new InvalidOperationException($"fastai would fail here: hyper-parameter '{name}' is not set for this param group.");
            set => _values[name] = value;
        }
    }

    /// <summary>One fastai optimizer callback: its name as fastai's reference JSON spells it, its <c>.defaults</c>, its body.</summary>
    private sealed record OptCallback(string Name, IReadOnlyDictionary<string, double> Defaults, Action<double[], double[], ParamState, Hypers> Run);

    private static readonly IReadOnlyDictionary<string, double> NoDefaults = new Dictionary<string, double>();

    private static readonly HashSet<string> HyperNames = new(StringComparer.Ordinal)
    {
        "lr", "mom", "sqr_mom", "eps", "wd", "beta", "nu_1", "nu_2", "trust_coeff",
    };

    private readonly double[][] _params;
    private readonly int[][] _groups;
    private readonly Hypers[] _hypers;
    private readonly ParamState[] _state;
    private readonly OptCallback[] _cbs;

    // Lookahead wrapper state (fastai's Lookahead.k / alpha / count / slow_weights).
    private readonly (int K, double Alpha)? _lookahead;
    private int _lookaheadCount;
    private double[][]? _slowWeights;

    private FastaiReference(double[][] initialParams, int[][] paramGroups, OptCallback[] cbs,
        Dictionary<string, double> defaults, (int K, double Alpha)? lookahead)
    {
        _params = initialParams.Select(p => (double[])p.Clone()).ToArray();
        _groups = paramGroups.Select(g => (int[])g.Clone()).ToArray();
        _cbs = cbs;
        _hypers = _groups.Select(_ => new Hypers(new Dictionary<string, double>(defaults, StringComparer.Ordinal))).ToArray();
        _state = _params.Select(_ => new ParamState()).ToArray();
        int[] groupOf = Enumerable.Repeat(-1, _params.Length).ToArray();
        for (int g = 0; g < _groups.Length; g++)
        {
            foreach (int i in _groups[g])
            {
                if (i < 0 || i >= _params.Length)
                    throw new ArgumentException($"param group {g} refers to param {i}, but there are {_params.Length} params.", nameof(paramGroups));
                if (groupOf[i] != -1)
                    throw new ArgumentException($"param {i} appears in more than one place in the param groups.", nameof(paramGroups));
                groupOf[i] = g;
            }
        }
        _lookahead = lookahead;
        Callbacks = cbs.Select(c => c.Name).ToArray();
    }

    /// <summary>fastai's callback list, spelled as in fastai's reference JSON.</summary>
    public IReadOnlyList<string> Callbacks { get; }

    /// <summary>Current param values (a fresh deep copy on every read).</summary>
    public double[][] Params => _params.Select(p => (double[])p.Clone()).ToArray();

    /// <summary>Sets hyper-parameter <paramref name="name"/> (fastai's name) of one param group.</summary>
    public void SetHyper(string name, int group, double value)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!HyperNames.Contains(name))
            throw new ArgumentException($"unknown fastai hyper-parameter '{name}'.", nameof(name));
        if (group < 0 || group >= _hypers.Length)
            throw new ArgumentOutOfRangeException(nameof(group), group, $"there are {_hypers.Length} param groups.");
        _hypers[group][name] = value;
    }

    /// <summary>Sets fastai's per-param state <c>do_wd</c> (False disables weight_decay / l2_reg for that param).</summary>
    public void SetDoWd(int param, bool doWd)
    {
        if (param < 0 || param >= _state.Length)
            throw new ArgumentOutOfRangeException(nameof(param), param, $"there are {_state.Length} params.");
        _state[param].DoWd = doWd;
    }

    /// <summary>One optimizer step; <c>grads[i] == null</c> means param i has no grad and is skipped entirely.</summary>
    public void Step(double[]?[] grads)
    {
        ArgumentNullException.ThrowIfNull(grads);
        if (grads.Length != _params.Length)
            throw new ArgumentException($"expected {_params.Length} grads, got {grads.Length}.", nameof(grads));
        for (int i = 0; i < grads.Length; i++)
        {
            double[]? g = grads[i];
            if (g is not null && g.Length != _params[i].Length)
                throw new ArgumentException($"grad {i} has {g.Length} elements, param {i} has {_params[i].Length}.", nameof(grads));
        }

        if (_lookahead is { } la)
        {
            _slowWeights ??= AllGroupParams().Select(i => (double[])_params[i].Clone()).ToArray();
            InnerStep(grads);
            _lookaheadCount++;
            if (_lookaheadCount % la.K == 0)
                LookaheadSync(la.Alpha);
        }
        else
        {
            InnerStep(grads);
        }
    }

    // Port of Optimizer.step: for every param that has a grad, run the callbacks in order on (p, state, hypers).
    private void InnerStep(double[]?[] grads)
    {
        for (int g = 0; g < _groups.Length; g++)
        {
            foreach (int i in _groups[g])
            {
                double[]? grad = grads[i];
                if (grad is null) continue;
                double[] freshGrad = (double[])grad.Clone(); // l2_reg mutates p.grad in place
                foreach (OptCallback cb in _cbs)
                    cb.Run(_params[i], freshGrad, _state[i], _hypers[g]);
            }
        }
    }

    // Port of the sync half of Lookahead.step: slow += alpha*(fast - slow); fast = slow.
    private void LookaheadSync(double alpha)
    {
        double[][] slow = _slowWeights!;
        int k = 0;
        foreach (int i in AllGroupParams())
        {
            double[] s = slow[k++];
            double[] fast = _params[i];
            for (int j = 0; j < s.Length; j++)
            {
                double diff = fast[j] - s[j];
                s[j] = AddScaled(s[j], alpha, diff);
                fast[j] = s[j];
            }
        }
    }

    private IEnumerable<int> AllGroupParams() => _groups.SelectMany(g => g);

    // ---------------------------------------------------------------------------------------------
    // The callbacks, one function each.
    // ---------------------------------------------------------------------------------------------

    // fastai: sgd_step
    private static void SgdStep(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double alpha = -h["lr"];
        for (int i = 0; i < p.Length; i++) p[i] = AddScaled(p[i], alpha, grad[i]);
    }

    // fastai: weight_decay (decoupled: p *= 1 - lr*wd)
    private static void WeightDecay(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double lr = h["lr"], wd = h["wd"];
        if (!st.DoWd || wd == 0) return;
        double factor = 1 - lr * wd;
        for (int i = 0; i < p.Length; i++) p[i] = p[i] * factor;
    }

    // fastai: l2_reg (grad += wd*p)
    private static void L2Reg(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double wd = h["wd"];
        if (!st.DoWd || wd == 0) return;
        for (int i = 0; i < p.Length; i++) grad[i] = AddScaled(grad[i], wd, p[i]);
    }

    // fastai: average_grad (grad_avg = grad_avg*mom + damp*grad, damp = 1-mom when dampening)
    private static void AverageGrad(double[] p, double[] grad, ParamState st, Hypers h, bool dampening)
    {
        double mom = h["mom"];
        double[] avg = st.GradAvg ??= new double[grad.Length];
        double damp = dampening ? 1 - mom : 1.0;
        for (int i = 0; i < avg.Length; i++)
        {
            avg[i] = avg[i] * mom;
            avg[i] = AddScaled(avg[i], damp, grad[i]);
        }
    }

    // fastai: average_sqr_grad (sqr_avg = sqr_avg*sqr_mom + damp*grad*grad, damp = 1-sqr_mom when dampening)
    private static void AverageSqrGrad(double[] p, double[] grad, ParamState st, Hypers h, bool dampening)
    {
        double sqrMom = h["sqr_mom"];
        double[] avg = st.SqrAvg ??= new double[grad.Length];
        double damp = dampening ? 1 - sqrMom : 1.0;
        for (int i = 0; i < avg.Length; i++)
        {
            avg[i] = avg[i] * sqrMom;
            avg[i] = avg[i] + damp * grad[i] * grad[i];
        }
    }

    // fastai: momentum_step
    private static void MomentumStep(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double[] avg = Required(st.GradAvg, "grad_avg");
        double alpha = -h["lr"];
        for (int i = 0; i < p.Length; i++) p[i] = AddScaled(p[i], alpha, avg[i]);
    }

    // fastai: rms_prop_step (uses grad_avg when the state has it, else the grad)
    private static void RmsPropStep(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double lr = h["lr"], eps = h["eps"];
        double[] sqr = Required(st.SqrAvg, "sqr_avg");
        double[] num = st.GradAvg ?? grad;
        double value = -lr;
        for (int i = 0; i < p.Length; i++)
        {
            double denom = Math.Sqrt(sqr[i]) + eps;
            p[i] = p[i] + value * num[i] / denom;
        }
    }

    // fastai: step_stat
    private static void StepStat(double[] p, double[] grad, ParamState st, Hypers h) => st.Step += 1;

    // fastai: debias
    private static double Debias(double mom, double damp, int step) => damp * (1 - Math.Pow(mom, step)) / (1 - mom);

    // fastai: adam_step
    private static void AdamStep(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double lr = h["lr"], mom = h["mom"], sqrMom = h["sqr_mom"], eps = h["eps"];
        double[] avg = Required(st.GradAvg, "grad_avg"), sqr = Required(st.SqrAvg, "sqr_avg");
        double debias1 = Debias(mom, 1 - mom, st.Step);
        double debias2 = Debias(sqrMom, 1 - sqrMom, st.Step);
        double value = -lr / debias1;
        for (int i = 0; i < p.Length; i++)
        {
            double denom = Math.Sqrt(sqr[i] / debias2) + eps;
            p[i] = p[i] + value * avg[i] / denom;
        }
    }

    // fastai: radam_step (rectified once r > 5; optional softplus(denom, beta))
    private static void RAdamStep(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double lr = h["lr"], mom = h["mom"], sqrMom = h["sqr_mom"], eps = h["eps"], beta = h["beta"];
        double[] avg = Required(st.GradAvg, "grad_avg"), sqr = Required(st.SqrAvg, "sqr_avg");
        int step = st.Step;
        double debias1 = Debias(mom, 1 - mom, step);
        double debias2 = Debias(sqrMom, 1 - sqrMom, step);
        double rInf = 2 / (1 - sqrMom) - 1;
        double sqrMomPow = Math.Pow(sqrMom, step);
        double r = rInf - 2.0 * step * sqrMomPow / (1 - sqrMomPow);
        if (r > 5)
        {
            double v = Math.Sqrt(((r - 4) * (r - 2) * rInf) / ((rInf - 4) * (rInf - 2) * r));
            double value = -lr * v / debias1;
            for (int i = 0; i < p.Length; i++)
            {
                double denom = Math.Sqrt(sqr[i] / debias2);
                if (eps != 0) denom = denom + eps;
                if (beta != 0) denom = Softplus(denom, beta);
                p[i] = p[i] + value * avg[i] / denom;
            }
        }
        else
        {
            double alpha = -lr / debias1;
            for (int i = 0; i < p.Length; i++) p[i] = AddScaled(p[i], alpha, avg[i]);
        }
    }

    // fastai: qhadam_step
    private static void QHAdamStep(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double lr = h["lr"], mom = h["mom"], sqrMom = h["sqr_mom"], nu1 = h["nu_1"], nu2 = h["nu_2"], eps = h["eps"];
        double[] avg = Required(st.GradAvg, "grad_avg"), sqr = Required(st.SqrAvg, "sqr_avg");
        double debias1 = Debias(mom, 1 - mom, st.Step);
        double debias2 = Debias(sqrMom, 1 - sqrMom, st.Step);
        double oneMinusNu1 = 1 - nu1, oneMinusNu2 = 1 - nu2, value = -lr;
        for (int i = 0; i < p.Length; i++)
        {
            double g = grad[i];
            double num = (oneMinusNu1 * g) + (nu1 * (avg[i] / debias1));
            double denom = Math.Sqrt((oneMinusNu2 * (g * g)) + (nu2 * (sqr[i] / debias2))) + eps;
            p[i] = p[i] + value * num / denom;
        }
    }

    // fastai: larc_layer_lr (local_lr from the norms of p and grad as they are at this point of the callback chain)
    private static void LarcLayerLr(double[] p, double[] grad, ParamState st, Hypers h, bool clip)
    {
        double lr = h["lr"], trustCoeff = h["trust_coeff"], wd = h["wd"], eps = h["eps"];
        double pNorm = Norm2(p), gNorm = Norm2(grad);
        double localLr = lr * trustCoeff * pNorm / (gNorm + pNorm * wd + eps);
        // Python's min(lr, local_lr) returns local_lr only when local_lr < lr.
        st.LocalLr = clip ? (localLr < lr ? localLr : lr) : localLr;
    }

    // fastai: larc_step (uses grad_avg when the state has it, else the grad)
    private static void LarcStep(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double localLr = st.LocalLr ?? throw new InvalidOperationException("fastai would fail here: state has no 'local_lr'.");
        double[] src = st.GradAvg ?? grad;
        double alpha = -localLr;
        for (int i = 0; i < p.Length; i++) p[i] = AddScaled(p[i], alpha, src[i]);
    }

    // fastai: lamb_step (trust ratio q = min(rms(p)/rms(step), 10), 1 when either is 0)
    private static void LambStep(double[] p, double[] grad, ParamState st, Hypers h)
    {
        double lr = h["lr"], mom = h["mom"], sqrMom = h["sqr_mom"], eps = h["eps"];
        double[] avg = Required(st.GradAvg, "grad_avg"), sqr = Required(st.SqrAvg, "sqr_avg");
        double debias1 = Debias(mom, 1 - mom, st.Step);
        double debias2 = Debias(sqrMom, 1 - sqrMom, st.Step);
        double r1 = Math.Sqrt(MeanOfSquares(p));
        double[] upd = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
            upd[i] = (avg[i] / debias1) / (Math.Sqrt(sqr[i] / debias2) + eps);
        double r2 = Math.Sqrt(MeanOfSquares(upd));
        double q;
        if (r1 == 0 || r2 == 0) q = 1;
        else
        {
            double ratio = r1 / r2;
            q = 10 < ratio ? 10 : ratio; // Python's min(ratio, 10)
        }
        double alpha = -lr * q;
        for (int i = 0; i < p.Length; i++) p[i] = AddScaled(p[i], alpha, upd[i]);
    }

    // torch's add_(other, alpha=a): self + a*other, which torch's CPU kernel evaluates as a fused multiply-add
    // (Vectorized fmadd; the scalar tail is contracted the same way in AVX2 builds). fastai's float64 reference
    // run is reproduced bit for bit with the fused form; an unfused a*other + self differs by at most an ulp or so.
    private static double AddScaled(double self, double alpha, double other) => Math.FusedMultiplyAdd(alpha, other, self);

    // torch.nn.functional.softplus(x, beta) with torch's default threshold of 20.
    private static double Softplus(double x, double beta)
    {
        double z = x * beta;
        return z > 20 ? x : Log1P(Math.Exp(z)) / beta;
    }

    // Accurate log(1+x) (the BCL has no log1p).
    private static double Log1P(double x)
    {
        double u = 1 + x;
        if (u == 1) return x;
        if (double.IsPositiveInfinity(u)) return u;
        return Math.Log(u) * x / (u - 1);
    }

    // torch.norm(t): sqrt of the sum of squares.
    private static double Norm2(double[] t)
    {
        double s = 0;
        foreach (double v in t) s += v * v;
        return Math.Sqrt(s);
    }

    // t.pow(2).mean()
    private static double MeanOfSquares(double[] t)
    {
        double s = 0;
        foreach (double v in t) s += v * v;
        return s / t.Length;
    }

    private static double[] Required(double[]? value, string key) =>
        value ?? throw new InvalidOperationException($"fastai would fail here: state has no '{key}'.");

    // ---------------------------------------------------------------------------------------------
    // Callback descriptors. Plain functions carry fastai's .defaults; functools.partial objects carry none
    // (fastai reads cb.defaults with a None fallback, and a partial has no such attribute).
    // The *_step functions' '_defaults' (leading underscore) are never read by fastai, so they are not modelled.
    // ---------------------------------------------------------------------------------------------

    private static Dictionary<string, double> D(params (string Key, double Value)[] items) =>
        items.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);

    private static OptCallback CbWeightDecay() => new("weight_decay", D(("wd", 0.0)), WeightDecay);
    private static OptCallback CbL2Reg() => new("l2_reg", D(("wd", 0.0)), L2Reg);
    private static OptCallback CbWd(bool decoupleWd) => decoupleWd ? CbWeightDecay() : CbL2Reg();
    private static OptCallback CbAverageGrad() => new("average_grad", D(("mom", 0.9)), (p, g, s, h) => AverageGrad(p, g, s, h, dampening: false));
    private static OptCallback CbAverageGradDampened() => new("average_grad(dampening=True)", NoDefaults, (p, g, s, h) => AverageGrad(p, g, s, h, dampening: true));
    private static OptCallback CbAverageSqrGrad() => new("average_sqr_grad", D(("sqr_mom", 0.99)), (p, g, s, h) => AverageSqrGrad(p, g, s, h, dampening: true));
    private static OptCallback CbAverageSqrGradDampened() => new("average_sqr_grad(dampening=True)", NoDefaults, (p, g, s, h) => AverageSqrGrad(p, g, s, h, dampening: true));
    private static OptCallback CbSgdStep() => new("sgd_step", NoDefaults, SgdStep);
    private static OptCallback CbMomentumStep() => new("momentum_step", NoDefaults, MomentumStep);
    private static OptCallback CbRmsPropStep() => new("rms_prop_step", D(("eps", 1e-8)), RmsPropStep);
    private static OptCallback CbStepStat() => new("step_stat", NoDefaults, StepStat);
    private static OptCallback CbAdamStep() => new("adam_step", NoDefaults, AdamStep);
    private static OptCallback CbRAdamStep() => new("radam_step", NoDefaults, RAdamStep);
    private static OptCallback CbQHAdamStep() => new("qhadam_step", NoDefaults, QHAdamStep);
    private static OptCallback CbLarcLayerLr(bool clip) => new($"larc_layer_lr(clip={Py(clip)})", NoDefaults, (p, g, s, h) => LarcLayerLr(p, g, s, h, clip));
    private static OptCallback CbLarcStep() => new("larc_step", NoDefaults, LarcStep);
    private static OptCallback CbLambStep() => new("lamb_step", NoDefaults, LambStep);

    private static string Py(bool b) => b ? "True" : "False";

    // ---------------------------------------------------------------------------------------------
    // The optimizer functions.
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Builds fastai's <paramref name="function"/> ("SGD", "RMSProp", "Adam", "RAdam", "QHAdam", "Larc", "Lamb", "ranger")
    /// with fastai's keyword arguments; absent ones take fastai's defaults. <paramref name="lookahead"/> wraps it in
    /// Lookahead(k, alpha); ranger always wraps (k=6, alpha=0.5 unless given). Unknown functions or kwargs throw.
    /// </summary>
    public static FastaiReference Create(string function, double lr, IReadOnlyDictionary<string, object> kwargs,
        double[][] initialParams, int[][] paramGroups, (int K, double Alpha)? lookahead = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(initialParams);
        ArgumentNullException.ThrowIfNull(paramGroups);
        if (initialParams.Any(p => p is null)) throw new ArgumentException("a param is null.", nameof(initialParams));
        if (paramGroups.Any(g => g is null)) throw new ArgumentException("a param group is null.", nameof(paramGroups));
        if (lookahead is { } la && la.K <= 0)
            throw new ArgumentException("Lookahead k must be positive.", nameof(lookahead));

        var args = new Kwargs(function, kwargs ?? new Dictionary<string, object>());
        (List<OptCallback> cbs, Dictionary<string, double> fnHypers, (int K, double Alpha)? wrap) = function switch
        {
            "SGD" => Sgd(args),
            "RMSProp" => RmsProp(args),
            "Adam" => Adam(args),
            "RAdam" => RAdam(args),
            "QHAdam" => QHAdam(args),
            "Larc" => Larc(args),
            "Lamb" => Lamb(args),
            "ranger" => Ranger(args),
            _ => throw new ArgumentException($"unknown fastai optimizer function '{function}'.", nameof(function)),
        };
        args.ThrowOnUnused();

        // Optimizer.__init__: defaults = merge(*cbs.defaults, fn kwargs), lr included.
        var defaults = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (OptCallback cb in cbs)
            foreach (KeyValuePair<string, double> kv in cb.Defaults) defaults[kv.Key] = kv.Value;
        defaults["lr"] = lr;
        foreach (KeyValuePair<string, double> kv in fnHypers) defaults[kv.Key] = kv.Value;

        return new FastaiReference(initialParams, paramGroups, cbs.ToArray(), defaults, lookahead ?? wrap);
    }

    // fastai: SGD(params, lr, mom=0., wd=0., decouple_wd=True)
    private static (List<OptCallback>, Dictionary<string, double>, (int, double)?) Sgd(Kwargs a)
    {
        double mom = a.Num("mom", 0.0), wd = a.Num("wd", 0.0);
        bool decoupleWd = a.Flag("decouple_wd", true);
        var cbs = new List<OptCallback> { CbWd(decoupleWd) };
        if (mom != 0) cbs.Add(CbAverageGrad());
        cbs.Add(mom == 0 ? CbSgdStep() : CbMomentumStep());
        return (cbs, D(("mom", mom), ("wd", wd)), null);
    }

    // fastai: RMSProp(params, lr, sqr_mom=0.99, mom=0., wd=0., decouple_wd=True); eps is rms_prop_step's default
    // (fastai's RMSProp has no eps argument; accepting it here only overrides that default).
    private static (List<OptCallback>, Dictionary<string, double>, (int, double)?) RmsProp(Kwargs a)
    {
        double sqrMom = a.Num("sqr_mom", 0.99), mom = a.Num("mom", 0.0), wd = a.Num("wd", 0.0);
        bool decoupleWd = a.Flag("decouple_wd", true);
        var cbs = new List<OptCallback> { CbWd(decoupleWd) };
        if (mom == 0) cbs.Add(CbAverageSqrGrad());
        else { cbs.Add(CbAverageGrad()); cbs.Add(CbAverageSqrGrad()); }
        cbs.Add(CbRmsPropStep());
        Dictionary<string, double> hypers = D(("mom", mom), ("sqr_mom", sqrMom), ("wd", wd));
        if (a.Has("eps")) hypers["eps"] = a.Num("eps", 1e-8);
        return (cbs, hypers, null);
    }

    // fastai: Adam(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0.01, decouple_wd=True)
    private static (List<OptCallback>, Dictionary<string, double>, (int, double)?) Adam(Kwargs a)
    {
        double mom = a.Num("mom", 0.9), sqrMom = a.Num("sqr_mom", 0.99), eps = a.Num("eps", 1e-5), wd = a.Num("wd", 0.01);
        bool decoupleWd = a.Flag("decouple_wd", true);
        var cbs = new List<OptCallback> { CbWd(decoupleWd), CbAverageGradDampened(), CbAverageSqrGrad(), CbStepStat(), CbAdamStep() };
        return (cbs, D(("mom", mom), ("sqr_mom", sqrMom), ("eps", eps), ("wd", wd)), null);
    }

    // fastai: RAdam(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0., beta=0., decouple_wd=True)
    private static (List<OptCallback>, Dictionary<string, double>, (int, double)?) RAdam(Kwargs a)
    {
        double mom = a.Num("mom", 0.9), sqrMom = a.Num("sqr_mom", 0.99), eps = a.Num("eps", 1e-5);
        double wd = a.Num("wd", 0.0), beta = a.Num("beta", 0.0);
        bool decoupleWd = a.Flag("decouple_wd", true);
        var cbs = new List<OptCallback> { CbWd(decoupleWd), CbAverageGradDampened(), CbAverageSqrGrad(), CbStepStat(), CbRAdamStep() };
        return (cbs, D(("mom", mom), ("sqr_mom", sqrMom), ("eps", eps), ("wd", wd), ("beta", beta)), null);
    }

    // fastai: QHAdam(params, lr, mom=0.999, sqr_mom=0.999, nu_1=0.7, nu_2=1.0, eps=1e-8, wd=0., decouple_wd=True)
    private static (List<OptCallback>, Dictionary<string, double>, (int, double)?) QHAdam(Kwargs a)
    {
        double mom = a.Num("mom", 0.999), sqrMom = a.Num("sqr_mom", 0.999), nu1 = a.Num("nu_1", 0.7), nu2 = a.Num("nu_2", 1.0);
        double eps = a.Num("eps", 1e-8), wd = a.Num("wd", 0.0);
        bool decoupleWd = a.Flag("decouple_wd", true);
        var cbs = new List<OptCallback> { CbWd(decoupleWd), CbAverageGradDampened(), CbAverageSqrGradDampened(), CbStepStat(), CbQHAdamStep() };
        return (cbs, D(("nu_1", nu1), ("nu_2", nu2), ("mom", mom), ("sqr_mom", sqrMom), ("eps", eps), ("wd", wd)), null);
    }

    // fastai: Larc(params, lr, mom=0.9, clip=True, trust_coeff=0.02, eps=1e-8, wd=0., decouple_wd=True)
    private static (List<OptCallback>, Dictionary<string, double>, (int, double)?) Larc(Kwargs a)
    {
        double mom = a.Num("mom", 0.9), trustCoeff = a.Num("trust_coeff", 0.02), eps = a.Num("eps", 1e-8), wd = a.Num("wd", 0.0);
        bool clip = a.Flag("clip", true), decoupleWd = a.Flag("decouple_wd", true);
        var cbs = new List<OptCallback> { CbWd(decoupleWd) };
        if (mom != 0) cbs.Add(CbAverageGrad());
        cbs.Add(CbLarcLayerLr(clip));
        cbs.Add(CbLarcStep());
        return (cbs, D(("mom", mom), ("trust_coeff", trustCoeff), ("eps", eps), ("wd", wd)), null);
    }

    // fastai: Lamb(params, lr, mom=0.9, sqr_mom=0.99, eps=1e-5, wd=0., decouple_wd=True)
    private static (List<OptCallback>, Dictionary<string, double>, (int, double)?) Lamb(Kwargs a)
    {
        double mom = a.Num("mom", 0.9), sqrMom = a.Num("sqr_mom", 0.99), eps = a.Num("eps", 1e-5), wd = a.Num("wd", 0.0);
        bool decoupleWd = a.Flag("decouple_wd", true);
        var cbs = new List<OptCallback> { CbWd(decoupleWd), CbAverageGradDampened(), CbAverageSqrGrad(), CbStepStat(), CbLambStep() };
        return (cbs, D(("mom", mom), ("sqr_mom", sqrMom), ("eps", eps), ("wd", wd)), null);
    }

    // fastai: ranger(p, lr, mom=0.95, wd=0.01, eps=1e-6, **kwargs) = Lookahead(RAdam(...)) with k=6, alpha=0.5
    private static (List<OptCallback>, Dictionary<string, double>, (int, double)?) Ranger(Kwargs a)
    {
        a.SetDefault("mom", 0.95);
        a.SetDefault("wd", 0.01);
        a.SetDefault("eps", 1e-6);
        (List<OptCallback> cbs, Dictionary<string, double> hypers, _) = RAdam(a);
        return (cbs, hypers, (6, 0.5));
    }

    /// <summary>The keyword arguments of one call; each lookup marks the name as accepted by the function.</summary>
    private sealed class Kwargs
    {
        private readonly string _function;
        private readonly IReadOnlyDictionary<string, object> _given;
        private readonly Dictionary<string, double> _overriddenDefaults = new(StringComparer.Ordinal);
        private readonly HashSet<string> _accepted = new(StringComparer.Ordinal);

        public Kwargs(string function, IReadOnlyDictionary<string, object> given)
        {
            _function = function;
            _given = given;
        }

        public bool Has(string name) => _given.ContainsKey(name);

        public void SetDefault(string name, double value) => _overriddenDefaults[name] = value;

        public double Num(string name, double fastaiDefault)
        {
            _accepted.Add(name);
            if (!_given.TryGetValue(name, out object? raw))
                return _overriddenDefaults.TryGetValue(name, out double d) ? d : fastaiDefault;
            return raw switch
            {
                double v => v,
                float v => v,
                int v => v,
                long v => v,
                decimal v => (double)v,
                JsonElement { ValueKind: JsonValueKind.Number } e => e.GetDouble(),
                _ => throw new ArgumentException($"{_function}: kwarg '{name}' must be a number, got {Describe(raw)}.", "kwargs"),
            };
        }

        public bool Flag(string name, bool fastaiDefault)
        {
            _accepted.Add(name);
            if (!_given.TryGetValue(name, out object? raw)) return fastaiDefault;
            return raw switch
            {
                bool b => b,
                JsonElement { ValueKind: JsonValueKind.True } => true,
                JsonElement { ValueKind: JsonValueKind.False } => false,
                _ => throw new ArgumentException($"{_function}: kwarg '{name}' must be a bool, got {Describe(raw)}.", "kwargs"),
            };
        }

        public void ThrowOnUnused()
        {
            foreach (string name in _given.Keys)
                if (!_accepted.Contains(name))
                    throw new ArgumentException($"{_function}() got an unexpected keyword argument '{name}'.", "kwargs");
        }

        private static string Describe(object? raw) =>
            raw is null ? "null" : $"{raw.GetType().Name} '{Convert.ToString(raw, CultureInfo.InvariantCulture)}'";
    }
}
