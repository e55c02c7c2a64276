using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using Gen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Benchmarks.Optim;

/// <summary>One optimizer step over a parameter set, four ways: Gen's fused CPU kernel, Gen's tensor path, TorchSharp's built-in, and the same-traffic limit.</summary>
public sealed class OptimCases : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public OptimCases(string optimizer, string set)
    {
        var shapes = ParamSets.ByName(set);
        FusedOptimizer Create(IReadOnlyList<Parameter> ps) => optimizer == "adam" ? new Gen.Adam(ps, lr: 1e-6) : new SgdMomentum(ps, lr: 1e-6);
        Kernel = Make(shapes, Create);
        TensorPath = Make(shapes, ps => { var o = Create(ps); o.UseTensorPath = true; return o; });
        var torchParams = Params(shapes);
        torch.optim.Optimizer builtIn = optimizer == "adam" ? torch.optim.Adam(torchParams, 1e-6) : torch.optim.SGD(torchParams, 1e-6, momentum: 0.9);
        _owned.Add(builtIn);
        TorchSharp = () => builtIn.step();
        var traffic = shapes.Select(s => new SameTrafficWork(Count(s))).ToList();
        SameTraffic = () => { foreach (var t in traffic) ParallelChunks.Run(t, t.Length); };
        Elements = shapes.Sum(Count);
    }

    public long Elements { get; }
    public Action Kernel { get; }

    /// <summary>The same generated optimizer forced onto its tensor path (whole-tensor TorchSharp ops, as on CUDA).</summary>
    public Action TensorPath { get; }
    public Action TorchSharp { get; }

    /// <summary>Reads and writes exactly the bytes Adam must (p, grad, two state buffers in; p and the state out), with trivial arithmetic.</summary>
    public Action SameTraffic { get; }

    private Action Make(IReadOnlyList<long[]> shapes, Func<IReadOnlyList<Parameter>, Gen.Optimizer> create)
    {
        var opt = create(Params(shapes));
        _owned.Add(opt);
        return opt.Step;
    }

    private List<Parameter> Params(IReadOnlyList<long[]> shapes)
    {
        var ps = shapes.Select(s => new Parameter(randn(s))).ToList();
        foreach (var p in ps) p.grad = randn(p.shape) * 1e-3;
        _owned.AddRange(ps);
        return ps;
    }

    private static int Count(long[] shape) => (int)shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The same-traffic loop over pinned buffers, split across cores as the generated kernels are.</summary>
    private sealed class SameTrafficWork : ChunkWork
    {
        private readonly float[] _p, _g, _m, _v;

        public SameTrafficWork(int length)
        {
            (_p, _g, _m, _v) = (Pinned(length), Pinned(length), Pinned(length), Pinned(length));
            Length = length;
        }

        public int Length { get; }

        private static float[] Pinned(int length) => GC.AllocateArray<float>(length, pinned: true);

        public override void RunChunk(int start, int length) =>
            Run(_p.AsSpan(start, length), _g.AsSpan(start, length), _m.AsSpan(start, length), _v.AsSpan(start, length));

        private static void Run(Span<float> p, Span<float> g, Span<float> m, Span<float> v)
        {
            var pv = MemoryMarshal.Cast<float, Vector<float>>(p);
            var gv = MemoryMarshal.Cast<float, Vector<float>>(g);
            var mv = MemoryMarshal.Cast<float, Vector<float>>(m);
            var vv = MemoryMarshal.Cast<float, Vector<float>>(v);
            for (int j = 0; j < pv.Length; j++)
            {
                var grad = gv[j];
                mv[j] += grad;
                vv[j] += grad;
                pv[j] += grad;
            }
            for (int j = pv.Length * Vector<float>.Count; j < p.Length; j++) { m[j] += g[j]; v[j] += g[j]; p[j] += g[j]; }
        }
    }

    public void Dispose()
    {
        foreach (var o in _owned) o.Dispose();
    }
}
