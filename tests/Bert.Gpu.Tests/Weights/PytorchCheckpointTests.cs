using System.IO.Compression;
using Bert.Gpu.Model;
using Bert.Gpu.Weights.Pytorch;
using Bert.Gpu.Weights.Safetensors;

namespace Bert.Gpu.Tests.Weights;

/// <summary>
/// <see cref="PytorchCheckpoint"/> on files torch.save wrote, against the same tensors as torch made them contiguous and
/// wrote them to safetensors (tests/oracle/pytorch_fixtures.py); the safetensors reader is tested on its own.
/// </summary>
public sealed class PytorchCheckpointTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, TorchTensor> Tensors(string file)
    {
        using var checkpoint = PytorchCheckpoint.Open(PytorchFixtures.File(file));
        return checkpoint.Entries.ToDictionary(e => e.Name, e => e.Tensor);
    }

    // Every float tensor of the checkpoint equals, bit for bit, torch's contiguous copy in the safetensors oracle, and
    // the checkpoint names the same tensors in the same order with the same dtypes.
    private static void AssertEqualsOracle(string checkpointPath, string oracleFile)
    {
        using var checkpoint = PytorchCheckpoint.Open(checkpointPath);
        using var oracle = SafetensorsFile.Open(PytorchFixtures.File(oracleFile));
        var floats = checkpoint.Entries.Where(e => e.Tensor.Storage.Dtype.IsFloat).ToList();
        Assert.Equal(oracle.Entries.Where(e => SafetensorsDtypes.IsFloat(e.Dtype)).Select(e => e.Name), floats.Select(e => e.Name));
        foreach (var (entry, (name, tensor)) in oracle.Entries.Where(e => SafetensorsDtypes.IsFloat(e.Dtype)).Zip(floats))
        {
            Assert.Equal(entry.Dtype, tensor.Storage.Dtype.Name);
            var expected = oracle.ReadFloat(entry);
            var actual = checkpoint.ReadFloat(name, tensor);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.True(expected.Data.AsSpan().SequenceEqual(actual.Data), $"tensor '{name}' differs from torch's contiguous copy");
        }
    }

    private ModelFormatException OpenFails(string path)
    {
        var e = Assert.Throws<ModelFormatException>(() => PytorchCheckpoint.Open(path).Dispose());
        Assert.Equal(path, e.Source);
        return e;
    }

    private string Corrupt(Func<string, byte[], byte[]?> change)
    {
        var path = _dir.File("pytorch_model.bin");
        PytorchFixtures.Rewrite(PytorchFixtures.File("single.bin"), path, change);
        return path;
    }

    // single.bin's pickle: the storage's persistent id ends with its size (BININT1 6, TUPLE), then BINPERSID, the offset
    // (BININT1 0), the shape (2, 3) and the strides (3, 1) as BININT1 pairs closed by TUPLE2.
    private string CorruptPickle(byte[] find, byte[] replacement) =>
        Corrupt((name, bytes) => name == "single/data.pkl" ? PytorchFixtures.ReplaceOnce(bytes, find, replacement) : bytes);

    [Theory]
    [InlineData("views.bin")]
    [InlineData("protocol4.bin")]
    public void ViewsEqualTorchsContiguousCopies(string file) => AssertEqualsOracle(PytorchFixtures.File(file), "views.safetensors");

    [Fact]
    public void TinyBertStateDictEqualsTorchsCopy() => AssertEqualsOracle(PytorchFixtures.File("tiny-bert.bin"), "tiny-bert.safetensors");

    [Fact]
    public void CompressedEntriesAreReadToo()
    {
        // torch stores its entries uncompressed, but a zip tool that repacked the file may have deflated them.
        var path = _dir.File("deflated.bin");
        PytorchFixtures.Rewrite(PytorchFixtures.File("views.bin"), path, (_, bytes) => bytes, CompressionLevel.Optimal);
        using (var zip = ZipFile.OpenRead(path))
            Assert.Contains(zip.Entries, e => e.CompressedLength < e.Length);
        AssertEqualsOracle(path, "views.safetensors");
    }

    [Fact]
    public void StridesOffsetsAndSharedStoragesAreReadAsTorchWroteThem()
    {
        // What the value comparison above relies on the fixture to contain: were torch to save these contiguously, the
        // strided reading would go untested.
        var t = Tensors("views.bin");
        Assert.Equal([5, 3], t["transposed.weight"].Shape);
        Assert.Equal([1L, 5L], t["transposed.weight"].Stride);
        Assert.False(t["transposed.weight"].IsRowMajor);
        Assert.Equal((7L, 20L), (t["slice.bias"].Offset, t["slice.bias"].Storage.ElementCount));
        Assert.Equal((6L, false), (t["block.weight"].Offset, t["block.weight"].IsRowMajor));
        Assert.Equal(("F16", false), (t["permuted.weight"].Storage.Dtype.Name, t["permuted.weight"].IsRowMajor));
        Assert.Equal("BF16", t["bf16.weight"].Storage.Dtype.Name);
        Assert.Same(t["tied_a.weight"].Storage, t["tied_b.weight"].Storage);
        Assert.Same(t["tied_a.weight"].Storage, t["tied_row.bias"].Storage);
        Assert.Equal(8L, t["tied_row.bias"].Offset);
        Assert.Empty(t["scalar.weight"].Shape);
        Assert.Equal([0, 4], t["empty.weight"].Shape);
        Assert.Equal("I64", t["embeddings.position_ids"].Storage.Dtype.Name);
        Assert.Equal([1, 6], t["embeddings.position_ids"].Shape);

        var bert = Tensors("tiny-bert.bin");
        Assert.Same(bert["bert.embeddings.word_embeddings.weight"].Storage, bert["cls.predictions.decoder.weight"].Storage);
    }

    [Fact]
    public void IntegerBufferIsNotReadAsFloat()
    {
        using var checkpoint = PytorchCheckpoint.Open(PytorchFixtures.File("views.bin"));
        var (name, tensor) = checkpoint.Entries.Single(e => e.Name == "embeddings.position_ids");
        var e = Assert.Throws<ModelFormatException>(() => checkpoint.ReadFloat(name, tensor));
        Assert.Contains("'embeddings.position_ids'", e.Problem);
        Assert.Contains("I64", e.Problem);
    }

    [Theory]
    [InlineData("malicious-eval.bin", "'__builtin__.eval'")] // builtins.eval, as protocol 2 names it for Python 2
    [InlineData("malicious-system.bin", "'posix.system'")]
    public void PickleNamingAnyOtherGlobalIsRefusedUnexecuted(string file, string global)
    {
        var e = OpenFails(PytorchFixtures.File(file));
        Assert.Contains(global, e.Problem);
        Assert.Contains("not a plain PyTorch state dict", e.Problem);
        Assert.Contains("nothing in it was executed", e.Problem);
        Assert.Contains("data.pkl", e.Problem);
    }

    [Fact]
    public void LegacyFormatIsRefusedWithHowToResave()
    {
        var e = OpenFails(PytorchFixtures.File("legacy.bin"));
        Assert.Contains("legacy", e.Problem);
        Assert.Contains("torch.save(torch.load(path, map_location='cpu'), path)", e.Problem);
    }

    [Fact]
    public void TrainingCheckpointIsNotAStateDict()
    {
        var e = OpenFails(PytorchFixtures.File("nested.bin"));
        Assert.Contains("'model' holds a dict, not a tensor", e.Problem);
    }

    [Fact]
    public void FileThatIsNotAZipIsRefused()
    {
        var path = _dir.File("pytorch_model.bin");
        File.Copy(PytorchFixtures.File("views.safetensors"), path);
        Assert.Contains("does not start with", OpenFails(path).Problem);
    }

    [Fact]
    public void EmptyFileIsReported()
    {
        var path = _dir.File("pytorch_model.bin");
        File.WriteAllBytes(path, []);
        Assert.Contains("empty", OpenFails(path).Problem);
    }

    [Fact]
    public void ZipWithoutAPickleIsNotACheckpoint()
    {
        var path = Corrupt((name, bytes) => name.EndsWith("data.pkl", StringComparison.Ordinal) ? null : bytes);
        Assert.Contains("no PREFIX/data.pkl", OpenFails(path).Problem);
    }

    [Fact]
    public void TruncatedPickleIsReported()
    {
        var path = Corrupt((name, bytes) => name == "single/data.pkl" ? bytes[..(bytes.Length / 2)] : bytes);
        var e = OpenFails(path);
        Assert.Contains("single/data.pkl ends inside the opcode at byte", e.Problem);
        Assert.Contains("truncated", e.Problem);
    }

    [Fact]
    public void MissingStorageNamesTheTensor()
    {
        var path = Corrupt((name, bytes) => name == "single/data/0" ? null : bytes);
        var e = OpenFails(path);
        Assert.Contains("tensor 'w'", e.Problem);
        Assert.Contains("no single/data/0", e.Problem);
    }

    [Fact]
    public void ShortStorageNamesTheTensorAndTheSizes()
    {
        var path = Corrupt((name, bytes) => name == "single/data/0" ? bytes[..20] : bytes);
        var e = OpenFails(path);
        Assert.Contains("tensor 'w'", e.Problem);
        Assert.Contains("holds 20 bytes but its 6 F32 elements need 24", e.Problem);
    }

    [Fact]
    public void StorageSizeBeyondItsEntryIsRefusedBeforeAnyAllocation()
    {
        // Size 2^31 - 1 (BININT) instead of 6: 8 GiB of F32 that the 24-byte entry cannot back.
        var e = OpenFails(CorruptPickle("K\x06t"u8.ToArray(), [(byte)'J', 0xFF, 0xFF, 0xFF, 0x7F, (byte)'t']));
        Assert.Contains("2147483647 F32 elements need 8589934588", e.Problem);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'Q', (byte)'K', 0 }, new byte[] { (byte)'Q', (byte)'K', 1 }, "offset 1")] // offset 1: the last element would be 6
    [InlineData(new byte[] { (byte)'K', 3, (byte)'K', 1, 0x86 }, new byte[] { (byte)'K', 3, (byte)'K', 2, 0x86 }, "strides (3,2)")] // reaches element 7
    // Stride 2^63 - 1 (LONG1): in 64-bit arithmetic offset + stride * (2 - 1) + 1 * 2 wraps to a small negative index.
    [InlineData(new byte[] { (byte)'K', 3, (byte)'K', 1, 0x86 }, new byte[] { 0x8A, 8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, (byte)'K', 1, 0x86 }, "strides (9223372036854775807,1)")]
    public void ViewPastTheEndOfItsStorageNamesTheTensor(byte[] find, byte[] replacement, string expected)
    {
        var e = OpenFails(CorruptPickle(find, replacement));
        Assert.Contains("tensor 'w'", e.Problem);
        Assert.Contains(expected, e.Problem);
        Assert.Contains("reaches past the end of its storage '0' of 6 elements", e.Problem);
    }

    [Fact]
    public void BroadcastViewIsRefused()
    {
        // Shape (4, 3) with strides (0, 1): 12 elements shown from a storage of 6, as expand() makes them.
        var shape = CorruptPickle([(byte)'K', 2, (byte)'K', 3, 0x86, (byte)'q', 9, (byte)'K', 3], [(byte)'K', 4, (byte)'K', 3, 0x86, (byte)'q', 9, (byte)'K', 0]);
        var e = OpenFails(shape);
        Assert.Contains("shows 12 elements of a storage of 6", e.Problem);
    }

    [Fact]
    public void UnknownOpcodeNamesItsByte()
    {
        // NEWOBJ (0x81) in place of REDUCE after OrderedDict's empty arguments: pickle's way to construct any class.
        var e = OpenFails(CorruptPickle([(byte)')', (byte)'R', (byte)'q', 1], [(byte)')', 0x81, (byte)'q', 1]));
        Assert.Contains("opcode 0x81", e.Problem);
        Assert.Contains("byte 30", e.Problem);
    }
}
