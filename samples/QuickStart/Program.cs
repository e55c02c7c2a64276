// Gen quick start: a small MLP learns three spirals; fastai's epoch table is printed as it trains.
using System;
using Gen;
using QuickStart;
using static TorchSharp.torch;

int epochs = args.Length > 0 && int.TryParse(args[0], out var n) && n > 0 ? n : 8;

manual_seed(0);
var (xTrain, yTrain) = Spirals.Make(pointsPerClass: 400, classes: 3, seed: 1);
var (xValid, yValid) = Spirals.Make(pointsPerClass: 100, classes: 3, seed: 2);
using var dls = DataLoaders.FromTensors(xTrain, yTrain, xValid, yValid, batchSize: 64, seed: 0);

var model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 3));
using var learn = new Learner(model, dls, (pred, target) => nn.functional.cross_entropy(pred, target),
    lr: 1e-2, metrics: [Metrics.Accuracy()], cbs: [new TerminateOnNaN()]);

learn.FitOneCycle(epochs, lrMax: 1e-2);

using (no_grad())
{
    model.eval();
    var accuracy = model.forward(xValid).argmax(1).eq(yValid).to(float32).mean().item<float>();
    Console.WriteLine($"validation accuracy: {accuracy:P1}");
}
