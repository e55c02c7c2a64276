using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Gen.Runtime.Tests;

public sealed class IdxFileTests : IDisposable
{
    private const string RealLabels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
    private readonly string _dir = Directory.CreateTempSubdirectory("idx-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static byte[] Ramp(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 7)).ToArray();

    private static byte[] Header(byte type, params int[] shape) =>
        new byte[] { 0, 0, type, (byte)shape.Length }.Concat(shape.SelectMany(d => BitConverter.GetBytes(d).Reverse())).ToArray();

    private static void WriteGzip(string path, byte[] bytes)
    {
        using var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest);
        gz.Write(bytes);
    }

    private static void AssertMessage(Exception e, string path, params string[] parts)
    {
        Assert.Contains(path, e.Message);
        foreach (var part in parts)
            Assert.Contains(part, e.Message);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Images_and_labels_round_trip_gzipped_or_not(bool gzip)
    {
        var images = Ramp(5 * 4 * 3);
        var labels = Ramp(5);
        IdxFile.Write(PathOf("images"), images, [5, 4, 3], gzip);
        IdxFile.Write(PathOf("labels"), labels, [5], gzip);

        var (data, shape) = IdxFile.Read(PathOf("images"));
        Assert.Equal(images, data);
        Assert.Equal([5, 4, 3], shape);
        (data, shape) = IdxFile.Read(PathOf("labels"));
        Assert.Equal(labels, data);
        Assert.Equal([5], shape);
        Assert.Equal(gzip, File.ReadAllBytes(PathOf("images")).AsSpan(0, 2).SequenceEqual(new byte[] { 0x1f, 0x8b }));
    }

    [Fact]
    public void The_header_is_MNISTs_big_endian_layout()
    {
        IdxFile.Write(PathOf("images"), Ramp(2 * 28 * 28), [2, 28, 28], gzip: false);
        Assert.Equal(Header(0x08, 2, 28, 28), File.ReadAllBytes(PathOf("images"))[..16]);
        Assert.Equal([0x00, 0x00, 0x08, 0x03], File.ReadAllBytes(PathOf("images"))[..4]);
    }

    [Fact]
    public void Gzip_is_detected_by_its_magic_not_by_the_file_name()
    {
        IdxFile.Write(PathOf("plain.gz"), Ramp(6), [2, 3], gzip: false);
        IdxFile.Write(PathOf("packed"), Ramp(6), [2, 3], gzip: true);
        Assert.Equal(Ramp(6), IdxFile.Read(PathOf("plain.gz")).Data);
        Assert.Equal(Ramp(6), IdxFile.Read(PathOf("packed")).Data);
    }

    [Fact]
    public void ReadTensor_gives_a_uint8_tensor_of_the_headers_shape()
    {
        IdxFile.Write(PathOf("images"), Ramp(3 * 2 * 2), [3, 2, 2], gzip: true);
        using var t = IdxFile.ReadTensor(PathOf("images"));
        GC.Collect();   // the tensor shares the array read: it must stay pinned and alive
        GC.WaitForPendingFinalizers();
        Assert.Equal(ScalarType.Byte, t.dtype);
        Assert.Equal([3L, 2, 2], t.shape);
        Assert.Equal(Ramp(12), t.data<byte>().ToArray());
        IdxFile.Write(PathOf("labels"), Ramp(4), [4], gzip: false);
        using var labels = IdxFile.ReadTensor(PathOf("labels"));
        Assert.Equal([4L], labels.shape);
    }

    [Fact]
    public void An_empty_set_reads_as_zero_samples()
    {
        IdxFile.Write(PathOf("images"), [], [0, 28, 28], gzip: true);
        var (data, shape) = IdxFile.Read(PathOf("images"));
        Assert.Empty(data);
        Assert.Equal([0, 28, 28], shape);
        using var t = IdxFile.ReadTensor(PathOf("images"));
        Assert.Equal([0L, 28, 28], t.shape);
        Assert.Equal(ScalarType.Byte, t.dtype);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var e = Assert.Throws<FileNotFoundException>(() => IdxFile.Read(PathOf("nope.gz")));
        AssertMessage(e, PathOf("nope.gz"), "does not exist");
    }

    [Fact]
    public void An_empty_file_is_named()
    {
        File.WriteAllBytes(PathOf("empty"), []);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(PathOf("empty")));
        AssertMessage(e, PathOf("empty"), "is empty", "0x08");
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0 })]   // a zip archive
    [InlineData(new byte[] { 0x00, 0x00, 0x08, 0x00, 0, 0, 0, 0 })]   // no dimensions
    public void A_wrong_magic_number_is_named_with_what_was_expected(byte[] bytes)
    {
        File.WriteAllBytes(PathOf("wrong"), bytes);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(PathOf("wrong")));
        AssertMessage(e, PathOf("wrong"), "not an IDX header", "0x00000803");
    }

    [Fact]
    public void A_type_other_than_unsigned_byte_is_refused()
    {
        File.WriteAllBytes(PathOf("floats"), [.. Header(0x0D, 1), 0, 0, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(PathOf("floats")));
        AssertMessage(e, PathOf("floats"), "type 0x0D", "only 0x08");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Truncated_data_names_what_it_holds_and_what_the_header_promises(bool gzip)
    {
        var bytes = Header(0x08, 60000, 28, 28).Concat(Ramp(1200)).ToArray();
        if (gzip) WriteGzip(PathOf("cut"), bytes); else File.WriteAllBytes(PathOf("cut"), bytes);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(PathOf("cut")));
        AssertMessage(e, PathOf("cut"), "holds 1200 bytes", "60000 x 28 x 28 = 47040000", "truncated");
    }

    [Fact]
    public void A_header_cut_short_is_named()
    {
        File.WriteAllBytes(PathOf("magic"), [0, 0, 8]);
        AssertMessage(Assert.Throws<InvalidDataException>(() => IdxFile.Read(PathOf("magic"))), PathOf("magic"), "truncated");
        File.WriteAllBytes(PathOf("dims"), Header(0x08, 10, 28, 28)[..10]);
        AssertMessage(Assert.Throws<InvalidDataException>(() => IdxFile.Read(PathOf("dims"))), PathOf("dims"), "3 dimensions", "truncated");
    }

    [Fact]
    public void More_data_than_the_header_promises_is_named()
    {
        File.WriteAllBytes(PathOf("long"), [.. Header(0x08, 2, 2), .. Ramp(5)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(PathOf("long")));
        AssertMessage(e, PathOf("long"), "more than the 2 x 2 = 4 bytes");
    }

    [Fact]
    public void A_gzip_stream_cut_off_is_named()
    {
        IdxFile.Write(PathOf("whole"), Ramp(50_000), [50_000], gzip: true);
        var bytes = File.ReadAllBytes(PathOf("whole"));
        File.WriteAllBytes(PathOf("cut"), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(PathOf("cut")));
        AssertMessage(e, PathOf("cut"), "truncated");
    }

    [Fact]
    public void Write_refuses_a_shape_that_does_not_fit_the_data()
    {
        var e = Assert.Throws<ArgumentException>(() => IdxFile.Write(PathOf("x"), Ramp(10), [3, 3], gzip: false));
        Assert.Contains("3 x 3 = 9", e.Message);
        Assert.Contains("10 bytes", e.Message);
        Assert.Throws<ArgumentException>(() => IdxFile.Write(PathOf("x"), Ramp(1), [], gzip: false));
        Assert.Throws<ArgumentException>(() => IdxFile.Write(PathOf("x"), Ramp(1), [-1, -1], gzip: false));
    }

    /// <summary>
    /// Against the real Fashion-MNIST labels where Debian's dataset-fashion-mnist is installed. Without it the
    /// data-dependent assertions are not run (the test passes): everything else above covers the reader.
    /// </summary>
    [Fact]
    public void Reads_the_real_Fashion_MNIST_training_labels_when_installed()
    {
        if (!File.Exists(RealLabels))
            return;
        var (data, shape) = IdxFile.Read(RealLabels);
        Assert.Equal([60000], shape);
        Assert.All(data, label => Assert.True(label < 10));
        Assert.Equal(Enumerable.Repeat(6000, 10), data.CountBy(label => label).OrderBy(c => c.Key).Select(c => c.Value));
    }
}
