using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Named values of one part of a checkpoint: numbers, strings, arrays of doubles and tensors (copied to the CPU when
/// written). Reading a name that is missing or of another kind throws naming it and the part, so a checkpoint from
/// other code is refused rather than half loaded.
/// </summary>
public sealed class CheckpointState
{
    private enum Kind : byte { Double = 1, Long = 2, String = 3, Doubles = 4, Tensor = 5 }

    private readonly Dictionary<string, object> _values = new(StringComparer.Ordinal);

    /// <param name="part">What the values belong to (a callback's key, "learner", ...): named in errors.</param>
    public CheckpointState(string part) => Part = part;

    /// <summary>What these values belong to.</summary>
    public string Part { get; }

    /// <summary>The names present, in the order they were set.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>Whether a value named <paramref name="name"/> is set.</summary>
    public bool Contains(string name) => _values.ContainsKey(name);

    /// <summary>Sets <paramref name="name"/> to the number <paramref name="value"/>, replacing any value of that name.</summary>
    public void Set(string name, double value) => _values[name] = value;

    /// <summary>Sets <paramref name="name"/> to the integer <paramref name="value"/>, replacing any value of that name.</summary>
    public void Set(string name, long value) => _values[name] = value;

    /// <summary>Sets <paramref name="name"/> to the string <paramref name="value"/> (not null), replacing any value of that name.</summary>
    public void Set(string name, string value) => _values[name] = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>Sets <paramref name="name"/> to an array copy of <paramref name="values"/>, replacing any value of that name.</summary>
    public void Set(string name, IEnumerable<double> values) => _values[name] = values.ToArray();

    /// <summary>Keeps a CPU copy of <paramref name="value"/> (its later changes do not reach the checkpoint).</summary>
    public void Set(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (_values.TryGetValue(name, out var old) && old is Tensor t) t.Dispose();
        _values[name] = value.detach().to(CPU).clone();
    }

    /// <summary>The number set as <paramref name="name"/>; throws a <see cref="CheckpointException"/> if it is missing or of another kind.</summary>
    public double GetDouble(string name) => Get<double>(name);

    /// <summary>The integer set as <paramref name="name"/>; throws a <see cref="CheckpointException"/> if it is missing or of another kind.</summary>
    public long GetLong(string name) => Get<long>(name);

    /// <summary>The string set as <paramref name="name"/>; throws a <see cref="CheckpointException"/> if it is missing or of another kind.</summary>
    public string GetString(string name) => Get<string>(name);

    /// <summary>A copy of the array of doubles set as <paramref name="name"/>; throws a <see cref="CheckpointException"/> if it is missing or of another kind.</summary>
    public double[] GetDoubles(string name) => (double[])Get<double[]>(name).Clone();

    /// <summary>The saved tensor (on the CPU; owned by this state: copy it where it must live).</summary>
    public Tensor GetTensor(string name) => Get<Tensor>(name);

    private T Get<T>(string name)
    {
        if (!_values.TryGetValue(name, out var value))
            throw new CheckpointException($"The checkpoint's '{Part}' has no '{name}' (it has: {string.Join(", ", _values.Keys)}); it was written by other code or another version of '{Part}'.");
        if (value is not T typed)
            throw new CheckpointException($"The checkpoint's '{Part}' keeps '{name}' as {Describe(value)}, not {typeof(T).Name}; it was written by other code.");
        return typed;
    }

    private static string Describe(object value) => value switch
    {
        Tensor => "a tensor",
        double[] => "an array of numbers",
        _ => value.GetType().Name,
    };

    internal void Write(BinaryWriter writer)
    {
        writer.Write(Part);
        writer.Write(_values.Count);
        foreach (var (name, value) in _values)
        {
            writer.Write(name);
            switch (value)
            {
                case double d: writer.Write((byte)Kind.Double); writer.Write(d); break;
                case long l: writer.Write((byte)Kind.Long); writer.Write(l); break;
                case string s: writer.Write((byte)Kind.String); writer.Write(s); break;
                case double[] a:
                    writer.Write((byte)Kind.Doubles);
                    writer.Write(a.Length);
                    foreach (var x in a) writer.Write(x);
                    break;
                case Tensor t: writer.Write((byte)Kind.Tensor); CheckpointTensors.Write(writer, t); break;
            }
        }
    }

    internal static CheckpointState Read(BinaryReader reader)
    {
        var state = new CheckpointState(reader.ReadString());
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            state._values[name] = (Kind)reader.ReadByte() switch
            {
                Kind.Double => reader.ReadDouble(),
                Kind.Long => reader.ReadInt64(),
                Kind.String => reader.ReadString(),
                Kind.Doubles => Enumerable.Range(0, reader.ReadInt32()).Select(_ => reader.ReadDouble()).ToArray(),
                Kind.Tensor => Tensor.Load(reader),
                var kind => throw new CheckpointException($"The checkpoint's '{state.Part}' has a value '{name}' of unknown kind {(byte)kind}; the file is corrupt."),
            };
        }
        return state;
    }

    /// <summary>Releases the tensors this state holds.</summary>
    internal void DisposeTensors()
    {
        foreach (var t in _values.Values.OfType<Tensor>()) t.Dispose();
    }
}
