using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

// fastai's save and load, extended to everything a fit needs to continue exactly: the model, the optimizer state
// (hypers too), the loop's position, torch's random state and the loaders' epoch count, and every ICheckpointed
// callback's own state (the Recorder's history among them).
public partial class Learner
{
    private const string LearnerPart = "learner";
    private readonly Dictionary<string, CheckpointState> _pendingStates = new(StringComparer.Ordinal);

    /// <summary>
    /// fastai's <c>learn.save</c>: writes exactly <paramref name="path"/> (atomically: a temporary file in the same folder,
    /// flushed, then renamed) with the model, the optimizer state when <paramref name="withOpt"/> and there is an optimizer,
    /// the epoch and iteration, torch's random state, the loaders' position and every <see cref="ICheckpointed"/>
    /// callback's state. Then <see cref="Load"/> and a fit with <c>startEpoch</c> continue as the uninterrupted fit would.
    /// Returns the full path.
    /// </summary>
    public string Save(string path, bool withOpt = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var checkpointed = CheckpointedCallbacks();
        CheckpointFile.Write(path, writer =>
        {
            ModelSection.Write(writer, Model, Cbs.OfType<IMasterWeights>().FirstOrDefault());
            var opt = withOpt ? Opt : null;
            writer.Write(opt is not null);
            if (opt is not null) OptimizerSection.Write(writer, opt);
            WriteState(writer, LearnerPart, LoopState);
            writer.Write(checkpointed.Count);
            foreach (var cb in checkpointed) WriteState(writer, cb.CheckpointKey, cb.SaveState);
        });
        return Path.GetFullPath(path);
    }

    /// <summary>
    /// fastai's <c>learn.load</c>: reads a checkpoint written by <see cref="Save"/>: the model, and with <paramref name="withOpt"/>
    /// the optimizer state (made first if the Learner has no optimizer yet); with <paramref name="withOpt"/> and
    /// <paramref name="resume"/> also the loop's position, torch's random state and the callbacks' states, which a fit
    /// with <c>startEpoch</c> continues from (a callback added later, e.g. for one fit, gets its state when it joins).
    /// A file that is not a checkpoint, damaged, of another format version, from another model or another optimizer
    /// is refused with a message naming what does not match, and nothing in the Learner changes.
    /// </summary>
    public void Load(string path, bool withOpt = true, bool resume = true)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (_pass is not null) throw new InvalidOperationException("Cannot load a checkpoint while a loader's pass runs (inside a training or validation phase); load it before the fit, or from after_epoch or after_fit.");
        var (model, opt, states) = CheckpointFile.Read(path, ReadSections);
        Optimizer? created = null;
        try
        {
            model.CheckFits(Model);
            if (!withOpt)
            {
                model.CopyInto(Model);
                return;
            }
            if (!resume)   // the callbacks' states stay as they are; the loop's state is checked below but not set
            {
                foreach (var state in states.Where(s => s.Part != LearnerPart)) state.DisposeTensors();
                states.RemoveAll(s => s.Part != LearnerPart);
            }
            var byKey = states.ToDictionary(s => s.Part, StringComparer.Ordinal);
            var loop = byKey.TryGetValue(LearnerPart, out var l) ? l : throw new CheckpointException($"{path} has no '{LearnerPart}' section; it was written by other code.");
            CheckLoopState(loop);
            var before = LoadCallbackStates(byKey);
            try
            {
                if (opt is not null) opt.LoadInto(Opt ?? (created = NewOpt()));
            }
            catch
            {
                PutBack(before);
                throw;
            }
            finally { foreach (var (_, state) in before) state.DisposeTensors(); }
            if (created is not null) (Opt, created) = (created, null);
            model.CopyInto(Model);
            if (resume) SetLoopState(loop);
            foreach (var state in states.Where(s => s.Part != LearnerPart && !IsPresent(s.Part))) _pendingStates[state.Part] = state;
        }
        finally
        {
            created?.Dispose();
            model.Dispose();
            opt?.Dispose();
            foreach (var state in states.Where(s => !_pendingStates.ContainsValue(s))) state.DisposeTensors();
        }
    }

    private static (ModelSection Model, OptimizerSection? Opt, List<CheckpointState> States) ReadSections(BinaryReader reader)
    {
        var model = ModelSection.Read(reader);
        var opt = reader.ReadBoolean() ? OptimizerSection.Read(reader) : null;
        var states = new List<CheckpointState> { CheckpointState.Read(reader) };
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++) states.Add(CheckpointState.Read(reader));
        return (model, opt, states);
    }

    private List<ICheckpointed> CheckpointedCallbacks()
    {
        var checkpointed = Cbs.OfType<ICheckpointed>().ToList();
        var twice = checkpointed.GroupBy(cb => cb.CheckpointKey).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw new InvalidOperationException($"{string.Join(" and ", twice.Select(cb => cb.GetType().Name))} both keep their checkpoint state under '{twice.Key}'; give each a distinct CheckpointKey.");
        return checkpointed;
    }

    private bool IsPresent(string key) => Cbs.OfType<ICheckpointed>().Any(cb => cb.CheckpointKey == key);

    /// <summary>Loads every present callback's saved state; returns each loaded callback with its state before.</summary>
    private List<(ICheckpointed Cb, CheckpointState Before)> LoadCallbackStates(Dictionary<string, CheckpointState> byKey)
    {
        var loaded = new List<(ICheckpointed Cb, CheckpointState Before)>();
        try
        {
            foreach (var cb in CheckpointedCallbacks())
            {
                if (!byKey.TryGetValue(cb.CheckpointKey, out var saved)) continue;
                var before = new CheckpointState(cb.CheckpointKey);
                cb.SaveState(before);
                loaded.Add((cb, before));
                cb.LoadState(saved);
            }
            return loaded;
        }
        catch
        {
            PutBack(loaded);
            foreach (var (_, before) in loaded) before.DisposeTensors();
            throw;
        }
    }

    private static void PutBack(List<(ICheckpointed Cb, CheckpointState Before)> loaded)
    {
        foreach (var (cb, before) in loaded) cb.LoadState(before);
    }

    /// <summary>A callback that joins after <see cref="Load"/> gets the state the checkpoint kept for its key.</summary>
    private void GivePendingState(IEnumerable<Callback> cbs)
    {
        if (_pendingStates.Count == 0) return;
        foreach (var cb in cbs.OfType<ICheckpointed>())
            if (_pendingStates.Remove(cb.CheckpointKey, out var state))
            {
                cb.LoadState(state);
                state.DisposeTensors();
            }
    }

    private static void WriteState(BinaryWriter writer, string part, Action<CheckpointState> fill)
    {
        var state = new CheckpointState(part);
        try
        {
            fill(state);
            state.Write(writer);
        }
        finally { state.DisposeTensors(); }
    }

    private void LoopState(CheckpointState state)
    {
        state.Set("epoch", Epoch);
        state.Set("n_epoch", NEpoch);
        state.Set("iter", Iter);
        state.Set("train_iter", TrainIter);
        state.Set("pct_train", PctTrain);
        state.Set("smooth_loss", SmoothLoss);
        state.Set("loader_epochs", _loaderEpochs);
        using var rng = random.get_rng_state();
        state.Set("torch_rng", rng);
    }

    private static void CheckLoopState(CheckpointState state)
    {
        foreach (var name in new[] { "epoch", "n_epoch", "iter", "train_iter", "loader_epochs" }) state.GetLong(name);
        state.GetDouble("pct_train");
        state.GetDouble("smooth_loss");
        state.GetTensor("torch_rng");
    }

    private void SetLoopState(CheckpointState state)
    {
        (Epoch, NEpoch, Iter, TrainIter) = ((int)state.GetLong("epoch"), (int)state.GetLong("n_epoch"), (int)state.GetLong("iter"), (int)state.GetLong("train_iter"));
        (PctTrain, SmoothLoss, _loaderEpochs) = (state.GetDouble("pct_train"), state.GetDouble("smooth_loss"), state.GetLong("loader_epochs"));
        random.set_rng_state(state.GetTensor("torch_rng"));
    }
}
