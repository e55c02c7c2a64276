using System;
using System.Linq;
using TorchSharp;

namespace Gen;

public abstract partial class FusedOptimizer
{
    private FlatGroup?[]? _flat;
    private int[][]? _members;           // per group: its parameters, in order
    private int[]? _positionInGroup;     // per parameter: its index in its group's members
    private bool[]? _flatCandidate;      // per group: one dtype and device, more than one parameter
    private bool[]? _groupOnCpu;
    private bool[]? _steppedFlat;        // per parameter: stepped with its group this step

    /// <summary>The tensor path over a slice of one group's flat buffers: the generated whole-tensor kernel, with the first member's per-tensor state.</summary>
    protected delegate void FlatKernel(FlatSlice slice, int first, int group);

    /// <summary>
    /// Steps every group that takes the tensor path as a whole, over its flat buffers (see <see cref="FlatGroup"/>).
    /// A group steps per parameter instead when some parameter has no gradient this step (fastai skips it) or
    /// its members' per-tensor state differs (a no_wd parameter among others); the result is the same.
    /// </summary>
    protected void StepFlatGroups(FlatKernel kernel)
    {
        _steppedFlat ??= new bool[Parameters.Count];
        Array.Clear(_steppedFlat);
        for (int g = 0; g < GroupCount; g++)
        {
            if (!TryFlat(g, out var flat)) continue;
            int first = flat.Members[0];
            for (int k = 0; k < flat.Slices.Count; k++)
            {
                if (k > 0) RestorePerTensor(first);   // every slice takes the step from the same state
                else SavePerTensor(first);
                kernel(flat.Slices[k], first, g);
            }
            foreach (int i in flat.Members)
            {
                _steppedFlat[i] = true;
                for (int k = 0; k < PerTensorNames.Count; k++) PerTensor(k, i, PerTensor(k, flat.Members[0]));
            }
        }
    }

    private double[]? _savedPerTensor;

    private void SavePerTensor(int param)
    {
        _savedPerTensor ??= new double[PerTensorNames.Count];
        for (int k = 0; k < _savedPerTensor.Length; k++) _savedPerTensor[k] = PerTensor(k, param);
    }

    private void RestorePerTensor(int param)
    {
        for (int k = 0; k < _savedPerTensor!.Length; k++) PerTensor(k, param, _savedPerTensor[k]);
    }

    /// <summary>Whether parameter <paramref name="i"/> was stepped by <see cref="StepFlatGroups"/> this step.</summary>
    protected bool SteppedFlat(int i) => _steppedFlat is { } stepped && stepped[i];

    private bool TryFlat(int g, out FlatGroup flat)
    {
        flat = null!;
        _flatCandidate ??= Enumerable.Range(0, GroupCount).Select(IsFlatCandidate).ToArray();
        _groupOnCpu ??= Enumerable.Range(0, GroupCount).Select(g => Parameters[Members(g)[0]].device_type == DeviceType.CPU).ToArray();
        if (!_flatCandidate[g] || !UseTensorPath && _groupOnCpu[g]) return false;
        _flat ??= new FlatGroup?[GroupCount];
        flat = _flat[g] ??= BuildFlat(g);
        bool ready = true;
        for (int k = 0; k < flat.Members.Length; k++)
        {
            int i = flat.Members[k];
            if (!NativeGrad.TryGetImpl(Parameters[i].Handle, out var grad)) { ready = false; continue; }
            if (!flat.HoldsGrad(k, grad)) flat.AdoptGrad(k, Parameters[i]);
        }
        return ready && UniformPerTensorState(flat.Members);
    }

    private bool IsFlatCandidate(int g)
    {
        var members = Members(g);
        var first = Parameters[members[0]];
        return members.Length > 1 && members.All(i => Parameters[i].dtype == first.dtype && Parameters[i].device_type == first.device_type && Parameters[i].device_index == first.device_index);
    }

    private int[] Members(int g)
    {
        if (_members is null)
        {
            _members = Enumerable.Range(0, GroupCount).Select(group => Enumerable.Range(0, Parameters.Count).Where(i => GroupOf[i] == group).ToArray()).ToArray();
            _positionInGroup = new int[Parameters.Count];
            foreach (var members in _members)
                for (int k = 0; k < members.Length; k++) _positionInGroup[members[k]] = k;
        }
        return _members[g];
    }

    /// <summary>Whether parameter <paramref name="i"/>'s gradient is a view of its group's flat gradient (zeroed with the group).</summary>
    private bool HoldsFlatGrad(int i) =>
        _flat?[GroupOf[i]] is { } flat && NativeGrad.TryGetImpl(Parameters[i].Handle, out var grad) && flat.HoldsGrad(_positionInGroup![i], grad);

    /// <summary>Zeroes each flat gradient with one op.</summary>
    private void ZeroFlatGrads()
    {
        if (_flat is null) return;
        foreach (var flat in _flat) flat?.Grad.zero_();
    }

    private FlatGroup BuildFlat(int g)
    {
        var flat = FlatGroup.Build(Members(g), Parameters, _elementState);
        _paramMemory = null;   // the parameters moved into the flat buffer
        foreach (int i in flat.Members)
            for (int slot = 0; slot < _stateMemory.GetLength(1); slot++) _stateMemory[i, slot] = default;
        return flat;
    }

    private bool UniformPerTensorState(int[] members)
    {
        for (int k = 0; k < PerTensorNames.Count; k++)
        {
            double first = PerTensor(k, members[0]);
            foreach (int i in members)
                if (PerTensor(k, i) != first) return false;
        }
        return true;
    }

    /// <summary>Forgets the flat layouts (the parameters keep their views); the next tensor-path step builds them again from the per-parameter state.</summary>
    private void DropFlat()
    {
        if (_flat is null) return;
        foreach (var flat in _flat) flat?.Dispose();
        _flat = null;
    }
}
