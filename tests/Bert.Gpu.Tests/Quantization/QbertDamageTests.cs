using Bert.Gpu.Quantization.Files;
using Bert.Gpu.Tests.Weights;

namespace Bert.Gpu.Tests.Quantization;

/// <summary>Damage anywhere in a real file: whatever the cut or the changed byte, reading it all fails with QbertFormatException.</summary>
public sealed class QbertDamageTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _path;
    private readonly byte[] _good;

    public QbertDamageTests()
    {
        _path = _dir.File("m.qbert");
        QbertRoundTripTests.SmallModel().Write(_path);
        _good = File.ReadAllBytes(_path);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EveryTruncationIsRefusedAtOpen()
    {
        for (var length = 0; length < _good.Length; length++)
        {
            File.WriteAllBytes(_path, _good[..length]);
            var e = Assert.Throws<QbertFormatException>(() => QbertFile.Open(_path).Dispose());
            Assert.Equal(_path, e.File);
            Assert.Contains("truncated", e.Problem);
        }
    }

    // Each byte in turn is flipped (XOR 0xFF). A byte of the length, the header or the header's hash fails the open;
    // a byte of the data fails the read of the tensor it belongs to, and the error names that tensor.
    [Fact]
    public void EveryFlippedByteIsFoundAndADataByteNamesItsTensor()
    {
        using (var file = QbertFile.Open(_path))
            ReadAll(file);
        long dataStart;
        List<(long Begin, long End, string Name)> owners;
        using (var file = QbertFile.Open(_path))
        {
            dataStart = _good.Length - file.Tensors.Sum(t => t.End - t.Begin + t.ScaleEnd - t.ScaleBegin);
            owners = [.. file.Tensors.Select(t => (t.Begin, t.End, t.Name)).Concat(file.Tensors.Where(t => t.ScaleEnd > 0).Select(t => (t.ScaleBegin, t.ScaleEnd, t.Name)))];
        }
        for (var i = 0; i < _good.Length; i++)
        {
            var damaged = (byte[])_good.Clone();
            damaged[i] ^= 0xFF;
            File.WriteAllBytes(_path, damaged);
            var e = Assert.Throws<QbertFormatException>(() =>
            {
                using var file = QbertFile.Open(_path);
                ReadAll(file);
            });
            if (i >= dataStart)
            {
                var offset = i - dataStart;
                Assert.Equal(owners.Single(o => o.Begin <= offset && offset < o.End).Name, e.Tensor);
                Assert.StartsWith("its SHA-256 does not match", e.Problem);
            }
        }
    }

    [Fact]
    public void HeaderBytesAreCoveredByTheHeaderHash()
    {
        // "format_version":1 -> 2 is still valid JSON with a newer version; the hash catches the change first.
        var text = System.Text.Encoding.UTF8.GetString(_good);
        var at = text.IndexOf("\"format_version\":1", StringComparison.Ordinal) + "\"format_version\":".Length;
        var damaged = (byte[])_good.Clone();
        damaged[at] = (byte)'2';
        File.WriteAllBytes(_path, damaged);
        Assert.StartsWith("the header's SHA-256 does not match", Assert.Throws<QbertFormatException>(() => QbertFile.Open(_path)).Problem);
    }

    private static void ReadAll(QbertFile file)
    {
        foreach (var t in file.Tensors)
            _ = t.Dtype switch
            {
                QbertDtype.F32 => (object)file.ReadFloat(t.Name),
                QbertDtype.I8 => file.ReadInt8(t.Name),
                _ => file.ReadBytes(t.Name),
            };
    }
}
