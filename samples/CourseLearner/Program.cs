// The 2022 course's Learner variants written with Gen: a loop whose steps a callback (TrainCB) or a derived Learner
// (MomentumLearner) replaces, and a model with two inputs and two outputs.
using System;
using CourseLearner;
using Gen;
using static TorchSharp.torch;

manual_seed(0);
var x = randn(512, 4);
var y = x.matmul(tensor(new float[] { 1, -2, 3, 0.5f }).unsqueeze(1)) + 1;
using var dls = DataLoaders.FromTensors(x, y, x, y, batchSize: 32);
Tensor Mse(Tensor p, Tensor t) => nn.functional.mse_loss(p, t);

Console.WriteLine("TrainCB (the five steps as a callback):");
using (var learn = new Learner(nn.Linear(4, 1), dls, Mse, optFunc: Optimizers.Sgd(), lr: 0.05, cbs: [new TrainCB()])) learn.Fit(2);

Console.WriteLine("MomentumLearner (gradients multiplied by mom instead of zeroed):");
using (var learn = new MomentumLearner(nn.Linear(4, 1), dls, Mse, lr: 0.01)) learn.Fit(2);

Console.WriteLine("Two inputs, two outputs (AuxiliaryLoss):");
using var two = TwoInputData.Make(samples: 2048, features: 3, categories: 5, batchSize: 64, seed: 1);
using (var learn = new Learner(new TwoInputNet(3, 5), two, Mse, lr: 1e-2, cbs: [new AuxiliaryLoss()])) learn.FitOneCycle(3);
