using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Gen;
using static TorchSharp.torch;

namespace FashionMnist;

/// <summary>
/// Fashion-MNIST as tensors. XTrain/XValid: float32 [n, 1, 28, 28], scaled to [0, 1] then normalized by the training
/// set's mean and std (one scalar each, from XTrain); YTrain/YValid: int64 [n]. Valid is the 10k test set (t10k-*).
/// Source is the folder read; IsSlice tells that it held fewer than the full set's 60000 / 10000 samples.
/// </summary>
public sealed record FashionMnistData(Tensor XTrain, Tensor YTrain, Tensor XValid, Tensor YValid, string Source, bool IsSlice)
{
    /// <summary>The 10 class names, indexed by label.</summary>
    public static readonly string[] Classes =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    public const string EnvironmentVariable = "FASHION_MNIST_DIR";
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";
    private const int FullTrain = 60000, FullValid = 10000, Side = 28;
    private const string TrainImages = "train-images-idx3-ubyte", TrainLabels = "train-labels-idx1-ubyte";
    private const string ValidImages = "t10k-images-idx3-ubyte", ValidLabels = "t10k-labels-idx1-ubyte";
    private static readonly string[] FileNames = [TrainImages, TrainLabels, ValidImages, ValidLabels];
    private const string HowToGetTheFullSet =
        "apt-get install dataset-fashion-mnist (or download it from https://github.com/zalandoresearch/fashion-mnist), " +
        $"then pass --data DIR or set {EnvironmentVariable}=DIR";

    /// <summary>
    /// Reads the first folder of: <paramref name="dataDir"/> (when given it must hold the four files), the folder in
    /// FASHION_MNIST_DIR (likewise), /usr/share/datasets/fashion-mnist, the slice in the application's data folder.
    /// Each file may be gzipped (name.gz) or not (name).
    /// </summary>
    public static FashionMnistData Load(string? dataDir)
    {
        var dir = FindDirectory(dataDir);
        // Decompressing is most of the time: the four files are read in parallel (and while libtorch loads).
        var reads = FileNames.ToDictionary(name => name, name => Task.Run(() => IdxFile.ReadTensor(FindFile(dir, name)!)));
        using Tensor yTrainBytes = Labels(reads, dir, TrainLabels), yValidBytes = Labels(reads, dir, ValidLabels);
        using Tensor xValidBytes = Images(reads, dir, ValidImages, yValidBytes);
        var xValid = xValidBytes.to(float32);   // while the training images are still being decompressed
        using Tensor xTrainBytes = Images(reads, dir, TrainImages, yTrainBytes);
        var xTrain = xTrainBytes.to(float32);

        // Scaling to [0, 1] and then normalizing gives the same values as normalizing the raw pixels by their own
        // mean and std: one pass over the 188 MB of training floats fewer. (std_mean took 5x longer than the two here.)
        using (var mean = xTrain.mean())
        using (var std = xTrain.std())
        {
            xTrain.sub_(mean).div_(std);
            xValid.sub_(mean).div_(std);
        }
        bool isSlice = xTrain.shape[0] < FullTrain || xValid.shape[0] < FullValid;
        return new FashionMnistData(xTrain.unsqueeze_(1), yTrainBytes.to(int64), xValid.unsqueeze_(1), yValidBytes.to(int64), dir, isSlice);
    }

    /// <summary>Which data was used and, for a slice, how to get the full set.</summary>
    public string Describe()
    {
        var counts = $"{XTrain.shape[0]} training / {XValid.shape[0]} validation images";
        return IsSlice
            ? $"Fashion-MNIST slice from {Source}: {counts} (the full set has {FullTrain} / {FullValid}).{Environment.NewLine}" +
              $"For the full set: {HowToGetTheFullSet}."
            : $"Fashion-MNIST from {Source}: {counts} (the full set).";
    }

    private static string FindDirectory(string? dataDir)
    {
        if (dataDir is not null)
            return RequireComplete(dataDir, "--data");
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } fromEnvironment)
            return RequireComplete(fromEnvironment, EnvironmentVariable);
        if (FileNames.All(name => FindFile(SystemDirectory, name) is not null))
            return SystemDirectory;
        return RequireComplete(Path.Combine(AppContext.BaseDirectory, "data"),
            $"the slice shipped with the sample, as no full set was found in {SystemDirectory}");
    }

    // An explicitly named folder must be complete: falling back to other data would hide the mistake.
    private static string RequireComplete(string dir, string origin)
    {
        dir = Path.GetFullPath(dir);
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException(
                $"The Fashion-MNIST folder '{dir}' (from {origin}) does not exist. Give a folder with the four IDX files {string.Join(", ", FileNames)} (each gzipped or not).");
        if (FileNames.FirstOrDefault(name => FindFile(dir, name) is null) is { } missing)
            throw new FileNotFoundException(
                $"The Fashion-MNIST folder '{dir}' (from {origin}) has no {missing}.gz or {missing}. It needs the four IDX files {string.Join(", ", FileNames)} (each gzipped or not); for the full set: {HowToGetTheFullSet}.",
                Path.Combine(dir, missing + ".gz"));
        return dir;
    }

    // The unpacked file first when both exist: it reads without decompressing.
    private static string? FindFile(string dir, string name) =>
        new[] { Path.Combine(dir, name), Path.Combine(dir, name + ".gz") }.FirstOrDefault(File.Exists);

    private static Tensor Labels(Dictionary<string, Task<Tensor>> reads, string dir, string name)
    {
        var labels = reads[name].GetAwaiter().GetResult();
        if (labels.dim() != 1)
            throw new InvalidDataException(
                $"'{FindFile(dir, name)}' holds an array of shape [{string.Join(", ", labels.shape)}]; Fashion-MNIST labels are [n]. Is it the right file?");
        using var max = labels.numel() > 0 ? labels.max() : zeros(1, ScalarType.Byte);
        if (max.item<byte>() >= Classes.Length)
            throw new InvalidDataException(
                $"'{FindFile(dir, name)}' holds the label {max.item<byte>()}; Fashion-MNIST labels are 0 to {Classes.Length - 1}. Is it the right file?");
        return labels;
    }

    private static Tensor Images(Dictionary<string, Task<Tensor>> reads, string dir, string name, Tensor labels)
    {
        var images = reads[name].GetAwaiter().GetResult();
        if (images.dim() != 3 || images.shape[1] != Side || images.shape[2] != Side)
            throw new InvalidDataException(
                $"'{FindFile(dir, name)}' holds an array of shape [{string.Join(", ", images.shape)}]; Fashion-MNIST images are [n, {Side}, {Side}]. Is it the right file?");
        if (images.shape[0] != labels.shape[0])
            throw new InvalidDataException(
                $"In '{dir}', {name} holds {images.shape[0]} images but its labels file holds {labels.shape[0]} labels; both must come from the same set.");
        return images;
    }
}
