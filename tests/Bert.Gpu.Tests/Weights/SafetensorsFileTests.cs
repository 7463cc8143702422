using Bert.Gpu.Model;
using Bert.Gpu.Weights.Safetensors;

namespace Bert.Gpu.Tests.Weights;

public sealed class SafetensorsFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public SafetensorsFileTests() => _path = _dir.File("model.safetensors");

    public void Dispose() => _dir.Dispose();

    private FloatTensor ReadOnly(string dtype, byte[] data, params int[] shape)
    {
        SafetensorsWriter.Write(_path, [new SafetensorsWriter.Entry("t", dtype, shape, data)]);
        using var file = SafetensorsFile.Open(_path);
        return file.ReadFloat(Assert.Single(file.Entries));
    }

    private ModelFormatException OpenFails()
    {
        var e = Assert.Throws<ModelFormatException>(() => SafetensorsFile.Open(_path).Dispose());
        Assert.Equal(_path, e.Source);
        Assert.Contains(_path, e.Message);
        return e;
    }

    [Fact]
    public void F32IsCopied()
    {
        var t = ReadOnly("F32", [0, 0, 0xC0, 0x3F, 0xCD, 0xCC, 0xCC, 0xBD], 2, 1);
        Assert.Equal([1.5f, -0.1f], t.Data);
        Assert.True(t.HasShape(2, 1));
    }

    [Fact]
    public void F16IsWidened()
    {
        // 0x3C00 = 1, 0xC000 = -2, 0x3555 = 1365/4096 = 0.333251953125, 0x7BFF = 65504 (max), 0x0001 = 2^-24 (smallest subnormal), 0xFC00 = -inf.
        var t = ReadOnly("F16", [0x00, 0x3C, 0x00, 0xC0, 0x55, 0x35, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0xFC], 6);
        Assert.Equal([1f, -2f, 0.333251953125f, 65504f, MathF.Pow(2, -24), float.NegativeInfinity], t.Data);
    }

    [Fact]
    public void BF16IsWidened()
    {
        // bf16 is the top half of fp32: 0x3F80 = 1, 0xC0A0 = -5, 0x3EAB = 0x3EAB0000 = 0.333984375.
        var t = ReadOnly("BF16", [0x80, 0x3F, 0xA0, 0xC0, 0xAB, 0x3E], 3);
        Assert.Equal([1f, -5f, 0.333984375f], t.Data);
    }

    [Fact]
    public void MetadataAndEmptyTensorsAreAccepted()
    {
        var t = ReadOnly("F32", [], 0, 4);
        Assert.Empty(t.Data);
        Assert.True(t.HasShape(0, 4));
    }

    [Fact]
    public void UnknownDtypeNamesTensorAndDtype()
    {
        SafetensorsWriter.Write(_path, [new SafetensorsWriter.Entry("encoder.layer.0.output.dense.weight", "F64", [1], new byte[8])]);
        using var file = SafetensorsFile.Open(_path);
        var e = Assert.Throws<ModelFormatException>(() => file.ReadFloat(file.Entries[0]));
        Assert.Contains("'encoder.layer.0.output.dense.weight'", e.Message);
        Assert.Contains("F64", e.Message);
        Assert.Contains(_path, e.Message);
    }

    [Fact]
    public void TruncatedDataNamesTheTensor()
    {
        SafetensorsWriter.Write(_path, [SafetensorsWriter.F32("a", [1, 2], 2), SafetensorsWriter.F32("b", [3, 4, 5, 6], 4)]);
        var bytes = File.ReadAllBytes(_path);
        File.WriteAllBytes(_path, bytes[..^4]);
        var e = OpenFails();
        Assert.Contains("truncated", e.Problem);
        Assert.Contains("'b'", e.Problem);
    }

    [Fact]
    public void TruncatedHeaderIsReported()
    {
        SafetensorsWriter.Write(_path, [SafetensorsWriter.F32("a", [1, 2], 2)]);
        File.WriteAllBytes(_path, File.ReadAllBytes(_path)[..20]);
        Assert.Contains("truncated", OpenFails().Problem);
    }

    [Fact]
    public void FileShorterThanTheLengthFieldIsReported()
    {
        File.WriteAllBytes(_path, [1, 2, 3]);
        Assert.Contains("truncated", OpenFails().Problem);
    }

    [Fact]
    public void ImpossibleHeaderLengthIsReported()
    {
        File.WriteAllBytes(_path, [.. BitConverter.GetBytes(long.MaxValue), .. new byte[16]]);
        Assert.Contains("header length", OpenFails().Problem);
    }

    [Fact]
    public void BadJsonIsReported()
    {
        SafetensorsWriter.WriteRaw(_path, "{\"a\": {\"dtype\": \"F32\", ", new byte[8]);
        Assert.Contains("JSON", OpenFails().Problem);
    }

    [Fact]
    public void MalformedEntryNamesTheTensor()
    {
        SafetensorsWriter.WriteRaw(_path, "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}}", new byte[8]);
        Assert.Contains("'w'", OpenFails().Problem);
    }

    [Fact]
    public void OffsetsPastTheEndNameTheTensor()
    {
        SafetensorsWriter.WriteRaw(_path, "{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [8, 24]}}", new byte[16]);
        var e = OpenFails();
        Assert.Contains("'w'", e.Problem);
        Assert.Contains("truncated", e.Problem);
    }

    [Fact]
    public void DataShorterThanTheShapeNamesTheTensor()
    {
        SafetensorsWriter.WriteRaw(_path, "{\"w\": {\"dtype\": \"F16\", \"shape\": [2, 3], \"data_offsets\": [0, 8]}}", new byte[8]);
        var e = OpenFails();
        Assert.Contains("'w'", e.Problem);
        Assert.Contains("[2,3]", e.Problem);
    }

    [Fact]
    public void OverlappingTensorsAreReported()
    {
        SafetensorsWriter.WriteRaw(_path,
            "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}",
            new byte[12]);
        var e = OpenFails();
        Assert.Contains("'a'", e.Problem);
        Assert.Contains("'b'", e.Problem);
        Assert.Contains("overlap", e.Problem);
    }
}
