using System;
using System.IO;
using System.Security.Cryptography;

namespace Gen;

/// <summary>
/// How a checkpoint reaches the disk and comes back. Writing goes to a temporary file in the target's folder, is
/// flushed to disk, then renamed over the target: a crash or an error midway leaves the last good checkpoint as it
/// was. The file is "GENCKPT" and a format version, the sections, then the SHA-256 of all of it, so a truncated or
/// damaged file is refused before anything is read from it.
/// </summary>
internal static class CheckpointFile
{
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "GENCKPT\0"u8.ToArray();
    private const int HashLength = 32;

    /// <summary>Writes <paramref name="path"/> atomically: <paramref name="body"/> writes the sections after the header.</summary>
    public static void Write(string path, Action<BinaryWriter> body)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot save the checkpoint {full}: the folder {folder} does not exist. Create it first.");
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                using (var writer = new BinaryWriter(new HashingStream(file, hash), System.Text.Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(FormatVersion);
                    body(writer);
                }
                file.Write(hash.GetHashAndReset());
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Reads <paramref name="path"/> whole, checks its header and hash, and hands <paramref name="body"/> the sections.</summary>
    public static T Read<T>(string path, Func<BinaryReader, T> body)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"There is no checkpoint at {full}; save one with learn.Save first, or check the path.", full);
        var bytes = File.ReadAllBytes(full);
        int content = bytes.Length - HashLength;
        if (content < Magic.Length + sizeof(int) || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new CheckpointException($"{full} is not a Gen checkpoint (it does not start with Gen's header); give the path of a file written by learn.Save.");
        if (!SHA256.HashData(bytes.AsSpan(0, content)).AsSpan().SequenceEqual(bytes.AsSpan(content)))
            throw new CheckpointException($"{full} is truncated or damaged (its checksum does not match its content); load an earlier checkpoint.");
        using var reader = new BinaryReader(new MemoryStream(bytes, Magic.Length, content - Magic.Length, writable: false));
        int version = reader.ReadInt32();
        if (version != FormatVersion)
            throw new CheckpointException($"{full} has checkpoint format version {version}; this Gen reads version {FormatVersion}. Load it with the Gen version that wrote it.");
        try { return body(reader); }
        catch (EndOfStreamException e) { throw new CheckpointException($"{full} ends before its last section; it was written by other code.", e); }
    }

    /// <summary>Passes writes through to the file and into the hash.</summary>
    private sealed class HashingStream(Stream inner, IncrementalHash hash) : Stream
    {
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
