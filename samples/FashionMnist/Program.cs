// The book's chapter "The Training Process" on Fashion-MNIST: the simple CNN trained from scratch with fastai's
// default (Adam, one-cycle), SGD at the rate lr_find suggests, and the chapter's own optimizers written as [Step]s.
using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using FashionMnist;
using Gen;
using static TorchSharp.torch;

var experiments = new Option<string[]>("--experiments", "-x")
{
    Description = $"Which experiments to run, in order (default: all): {string.Join(", ", Experiments.All.Select(e => e.Name))}.",
    AllowMultipleArgumentsPerToken = true,
};
var epochs = new Option<int>("--epochs", "-e") { Description = "Epochs per experiment (each experiment trains from the same initial weights).", DefaultValueFactory = _ => 3 };
var batchSize = new Option<int>("--batch-size", "-b") { Description = "Batch size for training and validation.", DefaultValueFactory = _ => 128 };
var data = new Option<string?>("--data", "-d") { Description = "Folder with the four Fashion-MNIST IDX files (gzipped or not). Otherwise FASHION_MNIST_DIR, then /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist), then the slice shipped with the sample." };
var device = new Option<string>("--device") { Description = "cpu, cuda, or auto (cuda when TorchSharp sees a GPU).", DefaultValueFactory = _ => "auto" };
var seed = new Option<long>("--seed", "-s") { Description = "Seed of the initial weights and of the training set's shuffle.", DefaultValueFactory = _ => 42 };
var threads = new Option<int>("--threads", "-t") { Description = "libtorch's intra-op threads (default: one per core).", DefaultValueFactory = _ => Environment.ProcessorCount };
var precision = new Option<string>("--precision", "-p")
{
    Description = "float32, or mixed precision with float32 master weights: bf16 (bfloat16) or fp16 (float16 with dynamic loss scaling).",
    DefaultValueFactory = _ => "float32",
};
precision.AcceptOnlyFromAmong("float32", "bf16", "fp16");
var output = new Option<string>("--output", "-o") { Description = "Folder for the plots (losses, schedule, lr_find, metrics) as PNG files.", DefaultValueFactory = _ => "fashion-mnist-output" };

var root = new RootCommand("Trains the book's simple CNN on Fashion-MNIST as the chapter \"The Training Process\" does, prints fastai's epoch table for each experiment, then a summary.")
{
    experiments, epochs, batchSize, data, device, seed, threads, precision, output,
};
root.SetAction(parse =>
{
    var chosen = parse.GetValue(experiments) is { Length: > 0 } names
        ? names.SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray()
        : Experiments.All.Select(e => e.Name).ToArray();
    var unknown = chosen.FirstOrDefault(n => Experiments.All.All(e => e.Name != n));
    if (unknown is not null)
    {
        Console.Error.WriteLine($"Unknown experiment '{unknown}'; choose from {string.Join(", ", Experiments.All.Select(e => e.Name))}.");
        return 2;
    }
    int nEpochs = parse.GetValue(epochs), bs = parse.GetValue(batchSize);
    if (nEpochs < 1 || bs < 1)
    {
        Console.Error.WriteLine("--epochs and --batch-size must be at least 1.");
        return 2;
    }
    var target = parse.GetValue(device) switch
    {
        "auto" => cuda.is_available() ? CUDA : CPU,
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => null,
        _ => null,
    };
    if (target is null)
    {
        Console.Error.WriteLine($"--device {parse.GetValue(device)}: use cpu, cuda (needs a CUDA build of libtorch and a GPU) or auto.");
        return 2;
    }
    set_num_threads(Math.Max(1, parse.GetValue(threads)));
    var outputDir = Directory.CreateDirectory(parse.GetValue(output)!).FullName;

    var set = FashionMnistData.Load(parse.GetValue(data));
    Console.WriteLine(set.Describe());
    using var dls = DataLoaders.FromTensors(set.XTrain.to(target), set.YTrain.to(target), set.XValid.to(target), set.YValid.to(target), bs, parse.GetValue(seed));
    ScalarType? lowPrecision = parse.GetValue(precision) switch { "bf16" => ScalarType.BFloat16, "fp16" => ScalarType.Float16, _ => null };
    var results = chosen.Select(name => Experiments.Run(Experiments.All.Single(e => e.Name == name), dls, nEpochs, parse.GetValue(seed), target, outputDir, lowPrecision)).ToList();

    Console.WriteLine();
    Console.WriteLine($"{"experiment",-10}  {"valid_loss",10}  {"accuracy",8}  {"seconds",7}");
    foreach (var r in results) Console.WriteLine($"{r.Name,-10}  {r.ValidLoss,10:F4}  {r.Accuracy,8:P1}  {r.Seconds,7:F1}");
    Console.WriteLine($"Plots in {outputDir}");
    return 0;
});
return root.Parse(args).Invoke();
