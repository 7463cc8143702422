using System.Buffers.Binary;
using System.Security.Cryptography;
using Bert.Gpu.Quantization;
using Bert.Gpu.Quantization.Files;

namespace Bert.Gpu.Fuzz.Targets;

/// <summary>The <c>.qbert</c> reader on any bytes: it may refuse a file only with <see cref="QbertFormatException"/>.</summary>
internal static class QbertTarget
{
    public static FuzzTarget Target { get; } = new("qbert",
        "bytes as model.qbert -> QbertFile.Open + every metadata entry's text + a read of every tensor (values = product of the shape; I8 codes in -127..127, scales positive finite), as given and again with the header's SHA-256 made right (so the JSON checks are reached); only QbertFormatException",
        Run);

    private static void Run(byte[] input)
    {
        var path = Path.Combine(ScratchFolder.Folder("qbert"), "model.qbert");
        File.WriteAllBytes(path, input);
        Expected.Only<QbertFormatException>(() => ReadAll(path));
        // Random bytes almost never carry the SHA-256 of their own header, which would stop nearly every input at the
        // hash check; rewriting those 32 bytes sends the mutated header on to the parser.
        if (WithHeaderHash(input) is { } fixedUp)
        {
            File.WriteAllBytes(path, fixedUp);
            Expected.Only<QbertFormatException>(() => ReadAll(path));
        }
    }

    private static byte[]? WithHeaderHash(byte[] input)
    {
        if (input.Length < 8)
            return null;
        var length = BinaryPrimitives.ReadUInt64LittleEndian(input);
        if (length == 0 || length > (ulong)input.Length - 8 || 8 + (long)length + 32 > input.Length)
            return null;
        var copy = (byte[])input.Clone();
        SHA256.HashData(copy.AsSpan(8, (int)length), copy.AsSpan(8 + (int)length, 32));
        return copy;
    }

    private static void ReadAll(string path)
    {
        using var file = QbertFile.Open(path);
        foreach (var (_, value) in file.Metadata)
            _ = value.GetRawText();
        foreach (var entry in file.Tensors)
        {
            var elements = entry.Shape.Aggregate(1L, (n, d) => n * d);
            PropertyViolation.Check(elements == entry.ElementCount, $"tensor '{entry.Name}' of shape {entry.ShapeText} claims {entry.ElementCount} elements");
            switch (entry.Dtype)
            {
                case QbertDtype.F32:
                    PropertyViolation.Check(file.ReadFloat(entry.Name).Length == elements, $"tensor '{entry.Name}' read as the wrong length");
                    break;
                case QbertDtype.I8:
                    var m = file.ReadInt8(entry.Name);
                    PropertyViolation.Check(m.Values.Length == elements && m.Scales.Length == m.Rows && m.Rows == entry.Shape[0]
                        && m.Values.All(v => v >= -SymmetricInt8.MaxLevel) && m.Scales.All(s => s > 0 && float.IsFinite(s)),
                        $"int8 tensor '{entry.Name}' read with codes or scales outside symmetric int8");
                    break;
                default:
                    PropertyViolation.Check(file.ReadBytes(entry.Name).Length == elements, $"tensor '{entry.Name}' read as the wrong length");
                    break;
            }
        }
    }
}
