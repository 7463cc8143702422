using System.Security.Cryptography;
using System.Text;

namespace Bert.Gpu.Tests.Quantization;

/// <summary>Builds .qbert files byte by byte for the reader's tests, from the layout in docs/QUANTIZATION.md (not from the writer).</summary>
internal static class QbertBytes
{
    /// <summary>Header length, this exact header text, its SHA-256, then the data: a file whose only faults are the ones written into it.</summary>
    public static byte[] Build(string headerJson, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        return [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. SHA256.HashData(header), .. data];
    }

    /// <summary>Lowercase hex SHA-256 of these bytes, as the header's "sha256" gives it.</summary>
    public static string Sha(params byte[][] parts) => Convert.ToHexStringLower(SHA256.HashData([.. parts.SelectMany(p => p)]));

    /// <summary>A header with these tensors and empty metadata.</summary>
    public static string Header(string tensors, int version = 1) =>
        $$$"""{"format":"qbert","format_version":{{{version}}},"metadata":{},"tensors":{{{{tensors}}}}}""";

    /// <summary>One F32 tensor entry of shape [n] over bytes [begin, begin + 4n) with the hash of <paramref name="data"/>.</summary>
    public static string F32(string name, int n, long begin, byte[] data) =>
        $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":[{n}],\"data_offsets\":[{begin},{begin + 4 * n}],\"sha256\":\"{Sha(data)}\"}}";
}
