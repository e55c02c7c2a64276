using System;
using System.IO;
using Gen;
using TorchSharp;
using static TorchSharp.torch;

// One way of running the same seeded one-cycle fit (a small CNN with dropout and BatchNorm on shuffled data, fastai's
// Adam, an accuracy metric, the default callbacks), then writing the model's weights and the Recorder's history as raw bytes:
//   whole <weights>                      the uninterrupted fit
//   interrupt <checkpoint> <epoch>       saves a checkpoint after that epoch, then the process exits at once
//   resume <checkpoint> <epoch> <weights> a new process loads the checkpoint and fits from epoch + 1
const int Epochs = 4;
set_num_threads(1);
manual_seed(7);
var (xTrain, yTrain) = Data(samples: 640);
var (xValid, yValid) = Data(samples: 128);
using var dls = DataLoaders.FromTensors(xTrain, yTrain, xValid, yValid, batchSize: 32, seed: 11);
using var learn = new Learner(Model(), dls, (p, t) => nn.functional.cross_entropy(p, t), metrics: [Metrics.Accuracy()], cbs: [Progress.Quiet()]);

switch (args[0])
{
    case "whole":
        learn.FitOneCycle(Epochs, 3e-3);
        WriteWeights(args[1]);
        break;
    case "interrupt":
        learn.FitOneCycle(Epochs, 3e-3, cbs: [new ExitAfterSaving(args[1], int.Parse(args[2]))]);
        throw new InvalidOperationException("the fit should have exited the process after saving");
    case "resume":
        learn.Load(args[1]);
        learn.FitOneCycle(Epochs, 3e-3, startEpoch: int.Parse(args[2]) + 1);
        WriteWeights(args[3]);
        Console.WriteLine($"recorded epochs: {learn.Get<Recorder>()!.Values.Count}");
        break;
    default:
        throw new ArgumentException($"unknown mode '{args[0]}': whole, interrupt or resume");
}

// The weights, then what the Recorder and the one-cycle schedule recorded (all but the epochs' times).
void WriteWeights(string path)
{
    using var file = new BinaryWriter(File.Create(path));
    foreach (var (name, value) in learn.Model.state_dict())
    {
        file.Write(name);
        file.Write(value.contiguous().bytes.ToArray());
    }
    var recorder = learn.Get<Recorder>()!;
    foreach (var list in new[] { recorder.Losses, recorder.BatchLosses, recorder.Lrs, recorder.Moms })
        foreach (var value in list) file.Write(value);
    foreach (var row in recorder.Values)
    {
        file.Write(row.Epoch);
        file.Write(row.TrainLoss);
        file.Write(row.ValidLoss);
        foreach (var metric in row.Metrics) file.Write(metric);
    }
}

static (Tensor X, Tensor Y) Data(int samples)
{
    var x = randn(samples, 1, 8, 8);
    var y = (x.mean([1, 2, 3]) > 0).to(int64) + (x[.., .., 0, 0].squeeze(1) > 1).to(int64);
    return (x, y);
}

static nn.Module<Tensor, Tensor> Model() => nn.Sequential(
    nn.Conv2d(1, 8, 3, stride: 2, padding: 1), nn.BatchNorm2d(8), nn.ReLU(), nn.Dropout(0.2),
    nn.Flatten(), nn.Linear(8 * 4 * 4, 3));

/// <summary>Saves a checkpoint at the end of epoch <paramref name="epoch"/>, then ends the process as a crash would.</summary>
[Order(61)]   // after the Recorder (50), as fastai's SaveModelCallback: the epoch's row is in the checkpoint
sealed partial class ExitAfterSaving(string path, int epoch) : Callback
{
    [Event]
    void AfterEpoch(Learner learn)
    {
        if (learn.Epoch != epoch) return;
        learn.Save(path);
        Environment.Exit(0);
    }
}
