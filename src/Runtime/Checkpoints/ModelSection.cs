using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// The model in a checkpoint: every entry of its state dict (parameters and buffers such as BatchNorm's running
/// statistics) by name. Loading checks names and shapes first and then copies into the model's own tensors, so
/// the optimizer's references to the parameters stay valid.
/// </summary>
internal sealed class ModelSection(List<(string Name, Tensor Value)> entries) : IDisposable
{
    public static void Write(BinaryWriter writer, nn.Module model, IMasterWeights? masters = null)
    {
        var entries = model.state_dict();
        writer.Write(entries.Count);
        foreach (var (name, own) in entries)
        {
            var value = masters?.MasterOf(name) ?? own;
            writer.Write(name);
            CheckpointTensors.Write(writer, value);
        }
    }

    public static ModelSection Read(BinaryReader reader)
    {
        int count = reader.ReadInt32();
        var entries = new List<(string, Tensor)>(count);
        for (int i = 0; i < count; i++) entries.Add((reader.ReadString(), Tensor.Load(reader)));
        return new ModelSection(entries);
    }

    /// <summary>Throws, naming the first difference, unless every entry of <paramref name="model"/> has a saved entry of the same shape and vice versa.</summary>
    public void CheckFits(nn.Module model)
    {
        var mine = model.state_dict();
        var saved = entries.ToDictionary(e => e.Name, e => e.Value.shape);
        var missing = mine.Keys.Where(k => !saved.ContainsKey(k)).ToList();
        var extra = saved.Keys.Where(k => !mine.ContainsKey(k)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new CheckpointException("The checkpoint was saved from another model: " +
                string.Join("; ", new[] { missing.Count > 0 ? $"this model has {List(missing)}, which the checkpoint lacks" : null,
                                          extra.Count > 0 ? $"the checkpoint has {List(extra)}, which this model lacks" : null }.OfType<string>()) +
                ". Load it into a Learner over the same architecture.");
        foreach (var (name, tensor) in mine)
            if (!tensor.shape.SequenceEqual(saved[name]))
                throw new CheckpointException($"The checkpoint was saved from another model: '{name}' has shape {Shape(saved[name])} in the checkpoint but {Shape(tensor.shape)} here. Load it into a Learner over the same architecture.");
    }

    /// <summary>Copies the saved values into the model's tensors (converted to their dtype and device).</summary>
    public void CopyInto(nn.Module model)
    {
        var mine = model.state_dict();
        using var noGrad = no_grad();
        foreach (var (name, value) in entries) mine[name].copy_(value);
    }

    private static string List(List<string> names) => string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";

    public void Dispose()
    {
        foreach (var (_, value) in entries) value.Dispose();
    }
}
