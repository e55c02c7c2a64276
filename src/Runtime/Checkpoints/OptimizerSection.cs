using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// The optimizer in a checkpoint: a Gen optimizer's state dict (hypers per group, every parameter's buffers and
/// per-tensor values), or the state dict of a TorchSharp optimizer behind <see cref="TorchOptimizer"/>, as TorchSharp
/// writes it. Read into memory first, checked against the Learner's optimizer, then put in.
/// </summary>
internal sealed class OptimizerSection : IDisposable
{
    private const string GenKind = "gen", TorchKind = "torchsharp";

    private OptimizerSection(string kind, string optimizer, OptimizerState? state, byte[]? torchState) =>
        (Kind, Optimizer, State, TorchState) = (kind, optimizer, state, torchState);

    private string Kind { get; }
    private string Optimizer { get; }
    private OptimizerState? State { get; }
    private byte[]? TorchState { get; }

    public static void Write(BinaryWriter writer, Optimizer opt)
    {
        if (opt is TorchOptimizer { Inner: OptimizerHelper torchOpt })
        {
            writer.Write(TorchKind);
            writer.Write(torchOpt.GetType().FullName!);
            using var buffer = new MemoryStream();
            using (var inner = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) torchOpt.save_state_dict(inner);
            writer.Write((int)buffer.Length);
            writer.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            return;
        }
        var state = opt.StateDict();   // throws, naming the optimizer, when it keeps its state to itself
        try
        {
            writer.Write(GenKind);
            writer.Write(state.Optimizer);
            writer.Write(state.Hypers.Count);
            foreach (var group in state.Hypers) WriteDoubles(writer, group);
            writer.Write(state.Params.Count);
            foreach (var param in state.Params)
            {
                writer.Write(param.Shape.Length);
                foreach (var size in param.Shape) writer.Write(size);
                writer.Write(param.Buffers.Count);
                foreach (var (name, buffer) in param.Buffers)
                {
                    writer.Write(name);
                    CheckpointTensors.Write(writer, buffer);
                }
                WriteDoubles(writer, param.PerTensor);
            }
        }
        finally { state.DisposeBuffers(); }
    }

    public static OptimizerSection Read(BinaryReader reader)
    {
        string kind = reader.ReadString(), optimizer = reader.ReadString();
        if (kind == TorchKind) return new(kind, optimizer, null, reader.ReadBytes(reader.ReadInt32()));
        if (kind != GenKind) throw new CheckpointException($"The checkpoint's optimizer section is of an unknown kind '{kind}'; it was written by other code.");
        var hypers = Enumerable.Range(0, reader.ReadInt32()).Select(_ => (IReadOnlyDictionary<string, double>)ReadDoubles(reader)).ToList();
        var parameters = new List<ParamState>();
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            var shape = Enumerable.Range(0, reader.ReadInt32()).Select(_ => reader.ReadInt64()).ToArray();
            var buffers = new Dictionary<string, Tensor>();
            int n = reader.ReadInt32();
            for (int k = 0; k < n; k++) buffers[reader.ReadString()] = Tensor.Load(reader);
            parameters.Add(new ParamState(shape, buffers, ReadDoubles(reader)));
        }
        return new(kind, optimizer, new OptimizerState(optimizer, hypers, parameters), null);
    }

    /// <summary>Puts the saved state into <paramref name="opt"/>, or throws naming what differs (and <paramref name="opt"/> is unchanged).</summary>
    public void LoadInto(Optimizer opt)
    {
        if (Kind == TorchKind)
        {
            if (opt is not TorchOptimizer { Inner: OptimizerHelper torchOpt } || torchOpt.GetType().FullName != Optimizer)
                throw Mismatch(opt);
            using var reader = new BinaryReader(new MemoryStream(TorchState!, writable: false));
            torchOpt.load_state_dict(reader);
            return;
        }
        if (opt is TorchOptimizer) throw Mismatch(opt);
        try { opt.LoadStateDict(State!); }
        catch (ArgumentException e) { throw new CheckpointException($"The checkpoint's optimizer state does not fit this Learner's optimizer: {e.Message}", e); }
    }

    private CheckpointException Mismatch(Optimizer opt) => new(
        $"The checkpoint holds the state of {Optimizer}, but this Learner's optimizer is {(opt is TorchOptimizer t ? t.Inner.GetType().FullName : opt.GetType().FullName)}. " +
        "Make the Learner with the optFunc the checkpoint was saved with, or load it with withOpt: false to take only the model.");

    private static void WriteDoubles(BinaryWriter writer, IReadOnlyDictionary<string, double> values)
    {
        writer.Write(values.Count);
        foreach (var (name, value) in values)
        {
            writer.Write(name);
            writer.Write(value);
        }
    }

    private static Dictionary<string, double> ReadDoubles(BinaryReader reader) =>
        Enumerable.Range(0, reader.ReadInt32()).ToDictionary(_ => reader.ReadString(), _ => reader.ReadDouble());

    public void Dispose()
    {
        State?.DisposeBuffers();
    }
}
