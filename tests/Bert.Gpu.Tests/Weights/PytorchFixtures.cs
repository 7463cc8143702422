using System.IO.Compression;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Weights;

/// <summary>
/// The checkpoints PyTorch itself wrote (tests/data/pytorch, from tests/oracle/pytorch_fixtures.py with torch 1.13), and
/// copies of them changed entry by entry, for the damage torch would never write.
/// </summary>
internal static class PytorchFixtures
{
    public static string File(params string[] parts) => RepoPaths.Data(["pytorch", .. parts]);

    /// <summary>
    /// Copies the zip at <paramref name="source"/> to <paramref name="destination"/>, passing each entry's name and bytes
    /// through <paramref name="change"/> (null drops the entry), stored uncompressed as torch stores them unless
    /// <paramref name="level"/> says otherwise.
    /// </summary>
    public static void Rewrite(string source, string destination, Func<string, byte[], byte[]?> change, CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var input = ZipFile.OpenRead(source);
        using var output = ZipFile.Open(destination, ZipArchiveMode.Create);
        foreach (var entry in input.Entries)
        {
            using var read = entry.Open();
            var bytes = new MemoryStream();
            read.CopyTo(bytes);
            if (change(entry.FullName, bytes.ToArray()) is not { } changed)
                continue;
            using var write = output.CreateEntry(entry.FullName, level).Open();
            write.Write(changed);
        }
    }

    /// <summary><paramref name="bytes"/> with the one occurrence of <paramref name="find"/> replaced; fails the test if it is not there exactly once.</summary>
    public static byte[] ReplaceOnce(byte[] bytes, byte[] find, byte[] replacement)
    {
        var at = bytes.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "the pattern is not in the fixture");
        Assert.True(bytes.AsSpan(at + 1).IndexOf(find) < 0, "the pattern occurs more than once in the fixture");
        return [.. bytes[..at], .. replacement, .. bytes[(at + find.Length)..]];
    }
}
