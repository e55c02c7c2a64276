using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using static TorchSharp.torch;

namespace Gen;

/// <summary>
/// Reads and writes IDX files (the MNIST format), gzipped or not: a big-endian header of two zero bytes, the type
/// byte (only 0x08, unsigned byte, is supported), the number of dimensions, then one big-endian int32 per dimension,
/// followed by the data in row-major order. Gzip is recognised by its magic bytes, not by the file name.
/// </summary>
public static class IdxFile
{
    private const byte UnsignedByte = 0x08;
    private const string Expected = "an IDX file starts with two zero bytes, the type byte 0x08 (unsigned byte) and the number of dimensions, e.g. 0x00000803 for images [n, rows, cols] or 0x00000801 for labels [n]";
    private const string Truncated = "the file is truncated — download it again";

    /// <summary>The data and its shape (one entry per dimension, in the order of the header).</summary>
    public static (byte[] Data, int[] Shape) Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"IDX file '{path}' does not exist; check the path (the Fashion-MNIST and MNIST files are named like train-images-idx3-ubyte.gz).", path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        if (file.Length == 0)
            throw new InvalidDataException($"IDX file '{path}' is empty (0 bytes); {Expected}. Download it again.");
        try
        {
            using var stream = IsGzip(file) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            var shape = ReadShape(stream, path);
            return (ReadData(stream, shape, path), shape);
        }
        catch (InvalidDataException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            // GZipStream's own errors (a corrupt or cut-off stream) do not say which file.
            throw new InvalidDataException($"IDX file '{path}' is gzipped but could not be decompressed ({e.Message}); the file is truncated or corrupt — download it again.", e);
        }
    }

    /// <summary>The file as a uint8 tensor of the header's shape (over the array read, not a copy of it).</summary>
    public static Tensor ReadTensor(string path)
    {
        var (data, shape) = Read(path);
        var dims = shape.Select(d => (long)d).ToArray();
        if (data.Length == 0)
            return empty(dims, ScalarType.Byte);   // frombuffer refuses an empty buffer
        using var flat = frombuffer(data, ScalarType.Byte);   // pins the array for the storage's lifetime
        return flat.view(dims);
    }

    /// <summary>Writes <paramref name="data"/> with an IDX header for <paramref name="shape"/>, gzipped if asked.</summary>
    public static void Write(string path, byte[] data, int[] shape, bool gzip)
    {
        if (shape.Length is 0 or > byte.MaxValue)
            throw new ArgumentException($"An IDX file has 1 to 255 dimensions; the shape given for '{path}' has {shape.Length}.", nameof(shape));
        if (shape.Any(d => d < 0))
            throw new ArgumentException($"The shape given for '{path}' ({Describe(shape)}) has a negative dimension.", nameof(shape));
        if (Product(shape) != data.Length)
            throw new ArgumentException($"The shape given for '{path}' ({Describe(shape)} = {Product(shape)}) does not match the {data.Length} bytes of data; pass the data's shape.", nameof(shape));

        var header = new byte[4 + 4 * shape.Length];
        header[2] = UnsignedByte;
        header[3] = (byte)shape.Length;
        for (int i = 0; i < shape.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), shape[i]);

        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        using var stream = gzip ? new GZipStream(file, CompressionLevel.SmallestSize) : (Stream)file;
        stream.Write(header);
        stream.Write(data);
    }

    private static bool IsGzip(FileStream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static int[] ReadShape(Stream stream, string path)
    {
        Span<byte> magic = stackalloc byte[4];
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        if (got < 4)
            throw new InvalidDataException($"IDX file '{path}' ends after {got} bytes, inside its 4-byte magic number; {Truncated}.");
        if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0)
            throw new InvalidDataException($"IDX file '{path}' starts with 0x{BinaryPrimitives.ReadUInt32BigEndian(magic):X8}, which is not an IDX header: {Expected}.");
        if (magic[2] != UnsignedByte)
            throw new InvalidDataException($"IDX file '{path}' holds data of type 0x{magic[2]:X2}; only 0x08 (unsigned byte, as in MNIST and Fashion-MNIST) is supported.");

        int rank = magic[3];
        var dims = new byte[4 * rank];
        got = stream.ReadAtLeast(dims, dims.Length, throwOnEndOfStream: false);
        if (got < dims.Length)
            throw new InvalidDataException($"IDX file '{path}' ends inside its header: it announces {rank} dimensions ({dims.Length} bytes of sizes) but only {got} bytes follow the magic number; {Truncated}.");
        var shape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dims.AsSpan(4 * i));
            if (shape[i] < 0)
                throw new InvalidDataException($"IDX file '{path}' gives dimension {i} the size {shape[i]}; sizes are non-negative big-endian int32s. The header is corrupt — download the file again.");
        }
        if (Product(shape) > Array.MaxLength)
            throw new InvalidDataException($"IDX file '{path}' promises {Describe(shape)} bytes, more than one array can hold ({Array.MaxLength}); the header is corrupt or the file too large to read at once.");
        return shape;
    }

    // One allocation of exactly the promised size, filled straight from the (decompressing) stream.
    private static byte[] ReadData(Stream stream, int[] shape, string path)
    {
        var data = GC.AllocateUninitializedArray<byte>((int)Product(shape));
        int got = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (got < data.Length)
            throw new InvalidDataException($"IDX file '{path}' holds {got} bytes of data but its header promises {Promised(shape)}; {Truncated}.");
        if (stream.ReadByte() != -1)
            throw new InvalidDataException($"IDX file '{path}' holds more than the {Promised(shape)} bytes of data its header promises; the header or the file is wrong — download it again.");
        return data;
    }

    // Saturates just above Array.MaxLength: up to 255 int32 sizes would overflow a long.
    private static long Product(int[] shape) =>
        shape.Contains(0) ? 0 : shape.Aggregate(1L, (p, d) => p > Array.MaxLength ? p : p * d);

    private static string Describe(int[] shape) => string.Join(" x ", shape);

    private static string Promised(int[] shape) => shape.Length == 1 ? $"{shape[0]}" : $"{Describe(shape)} = {Product(shape)}";
}
