using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using Gen;
using TorchSharp;
using TorchSharp.Modules;
using Gen.Internals;
using static TorchSharp.torch;

namespace Benchmarks.Optim;

/// <summary>One optimizer step over a parameter set, four ways: Gen's fused CPU kernel, Gen's tensor path, TorchSharp's built-in, and the same-traffic limit.</summary>
public sealed class OptimCases : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public OptimCases(string optimizer, string set)
    {
        var shapes = ParamSets.ByName(set);
        // Like for like: TorchSharp's Adam and SGD take no weight decay by default, so neither does ours here.
        FusedOptimizer Create(IReadOnlyList<Parameter> ps) => optimizer == "adam" ? new Gen.Adam(ps, lr: 1e-6, wd: 0) : new SgdMomentum(ps, lr: 1e-6);
        Kernel = Make(shapes, Create);
        TensorPath = Make(shapes, ps => { var o = Create(ps); o.UseTensorPath = true; return o; });
        var torchParams = Params(shapes);
        torch.optim.Optimizer builtIn = optimizer == "adam" ? torch.optim.Adam(torchParams, 1e-6) : torch.optim.SGD(torchParams, 1e-6, momentum: 0.9);
        _owned.Add(builtIn);
        TorchSharp = () => builtIn.step();
        var traffic = new SameTrafficWork(shapes.Sum(Count), _owned);
        SameTraffic = () => ParallelChunks.Run(traffic, traffic.Length);
        Elements = shapes.Sum(Count);
    }

    public long Elements { get; }
    public Action Kernel { get; }

    /// <summary>The same generated optimizer forced onto its tensor path (whole-tensor TorchSharp ops, as on CUDA).</summary>
    public Action TensorPath { get; }
    public Action TorchSharp { get; }

    /// <summary>
    /// Reads and writes exactly the bytes Adam must (p, grad, two state buffers in; p and the state out), with trivial
    /// arithmetic, in the best layout: one buffer per stream, as the optimizer lays out a param group.
    /// </summary>
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

    /// <summary>
    /// The same-traffic loop, split across cores as the generated kernels are, over tensors libtorch allocated, as
    /// the optimizer's buffers are: on this machine a loop over pinned managed arrays runs ~15% faster than the same
    /// loop over libtorch's memory, which would measure the allocator rather than the kernel.
    /// </summary>
    private sealed class SameTrafficWork : ChunkWork
    {
        private readonly nint _p, _g, _m, _v;

        public SameTrafficWork(int length, List<IDisposable> owned)
        {
            nint Buffer()
            {
                var t = randn(length);
                owned.Add(t);
                return AddressOf(MemoryMarshal.Cast<byte, float>(t.bytes));
            }
            (_p, _g, _m, _v) = (Buffer(), Buffer(), Buffer(), Buffer());
            Length = length;
        }

        public int Length { get; }

        public override void RunChunk(int start, int length)
        {
            var pv = MemoryMarshal.Cast<float, Vector<float>>(Elements<float>(_p, start, length));
            var gv = MemoryMarshal.Cast<float, Vector<float>>(Elements<float>(_g, start, length));
            var mv = MemoryMarshal.Cast<float, Vector<float>>(Elements<float>(_m, start, length));
            var vv = MemoryMarshal.Cast<float, Vector<float>>(Elements<float>(_v, start, length));
            for (int j = 0; j < pv.Length; j++)
            {
                var grad = gv[j];
                mv[j] += grad;
                vv[j] += grad;
                pv[j] += grad;
            }
            Span<float> p = Elements<float>(_p, start, length), g = Elements<float>(_g, start, length),
                        m = Elements<float>(_m, start, length), v = Elements<float>(_v, start, length);
            for (int j = pv.Length * Vector<float>.Count; j < length; j++) { m[j] += g[j]; v[j] += g[j]; p[j] += g[j]; }
        }
    }

    public void Dispose()
    {
        foreach (var o in _owned) o.Dispose();
    }
}
