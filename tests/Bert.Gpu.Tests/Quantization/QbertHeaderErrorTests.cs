using Bert.Gpu.Quantization.Files;
using Bert.Gpu.Tests.Weights;

namespace Bert.Gpu.Tests.Quantization;

/// <summary>Files whose header hash is right but whose content is wrong (written byte by byte): each fault has its own message.</summary>
public sealed class QbertHeaderErrorTests : IDisposable
{
    private static readonly byte[] Four = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]; // 1f, 2f
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public QbertHeaderErrorTests() => _path = _dir.File("m.qbert");

    public void Dispose() => _dir.Dispose();

    private static string A => QbertBytes.F32("a", 2, 0, Four);

    public static TheoryData<string, byte[], string?, string> Headers => new()
    {
        { "{", Four, null, "the header is not valid JSON (" },
        { "[1]", Four, null, "the header is a JSON array, not an object;" },
        { """{"format":"qbert","metadata":{},"tensors":{}}""", [], null, "the header has no \"format_version\";" },
        { """{"format_version":1,"metadata":{},"tensors":{}}""", [], null, "the header has no \"format\";" },
        { """{"format":"safetensors","format_version":1,"metadata":{},"tensors":{}}""", [], null, "\"format\" is \"safetensors\", not \"qbert\": this is not a .qbert file;" },
        { """{"format":"qbert","format_version":"1","metadata":{},"tensors":{}}""", [], null, "\"format_version\" in the header is a JSON string, not number;" },
        { QbertBytes.Header("", version: 2), [], null, "the file has format version 2 and this Bert.Gpu reads only version 1; upgrade Bert.Gpu" },
        { QbertBytes.Header("", version: 0), [], null, "\"format_version\" is 0, not a version number;" },
        { """{"format":"qbert","format_version":1.5,"metadata":{},"tensors":{}}""", [], null, "\"format_version\" is 1.5, not a version number;" },
        { """{"format":"qbert","format_version":1,"tensors":{}}""", [], null, "the header has no \"metadata\";" },
        { """{"format":"qbert","format_version":1,"metadata":{}}""", [], null, "the header has no \"tensors\";" },
        { """{"format":"qbert","format_version":1,"metadata":[],"tensors":{}}""", [], null, "\"metadata\" in the header is a JSON array, not object;" },
        { """{"format":"qbert","format_version":1,"metadata":{},"tensors":{},"extra":1}""", [], null, "the header has an unknown field \"extra\"" },
        { """{"format":"qbert","format_version":1,"format_version":1,"metadata":{},"tensors":{}}""", [], null, "the header has \"format_version\" twice;" },
        { QbertBytes.Header(A + "," + A), Four, null, "\"tensors\" has \"a\" twice;" },
        { """{"format":"qbert","format_version":1,"metadata":{"k":1,"k":2},"tensors":{}}""", [], null, "\"metadata\" has \"k\" twice;" },
        { QbertBytes.Header("\"\":{}"), [], null, "a tensor has an empty name;" },
        { QbertBytes.Header("\"a\":[]"), [], "a", "the header entry is a JSON array, not an object;" },
        { QbertBytes.Header(A.Replace("\"dtype\":\"F32\",", "")), Four, "a", "the header entry has no \"dtype\";" },
        { QbertBytes.Header(A.Replace("\"shape\":[2],", "")), Four, "a", "the header entry has no \"shape\";" },
        { QbertBytes.Header(A.Replace("\"data_offsets\":[0,8],", "")), Four, "a", "the header entry has no \"data_offsets\";" },
        { QbertBytes.Header(A.Replace(",\"sha256\":\"" + QbertBytes.Sha(Four) + "\"", "")), Four, "a", "the header entry has no \"sha256\";" },
        { QbertBytes.Header(A.Replace("\"dtype\"", "\"dtype\":\"F32\",\"kind\"")), Four, "a", "the header entry has an unknown field \"kind\"" },
        { QbertBytes.Header(A.Replace("F32", "F16")), Four, "a", "dtype \"F16\" is not one of F32, I8, U8;" },
        { QbertBytes.Header(A.Replace("F32", "f32")), Four, "a", "dtype \"f32\" is not one of F32, I8, U8;" },
        { QbertBytes.Header(A.Replace("\"F32\"", "32")), Four, "a", "\"dtype\" in the header entry is a JSON number, not string;" },
        { QbertBytes.Header(A.Replace("[2]", "[-2]")), Four, "a", "shape dimension 0 is -2, not a non-negative integer;" },
        { QbertBytes.Header(A.Replace("[2]", "[2.5]")), Four, "a", "shape dimension 0 is 2.5, not a non-negative integer;" },
        { QbertBytes.Header(A.Replace("[2]", "[\"2\"]")), Four, "a", "shape dimension 0 is \"2\", not a non-negative integer;" },
        { QbertBytes.Header(A.Replace("[2]", "[65536,65536,65536,65536]")), Four, "a", "shape [65536, 65536, 65536, 65536] has more than 2147483647 elements" },
        { QbertBytes.Header(A.Replace("[2]", "[3]")), Four, "a", "data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12;" },
        { QbertBytes.Header(A.Replace("[0,8]", "[8,0]")), Four, "a", "data_offsets is [8,0], not two increasing non-negative integers;" },
        { QbertBytes.Header(A.Replace("[0,8]", "[\"0\",8]")), Four, "a", "data_offsets is [\"0\",8], not two increasing non-negative integers;" },
        { QbertBytes.Header(A.Replace("[0,8]", "[0]")), Four, "a", "data_offsets is [0], not two increasing non-negative integers;" },
        { QbertBytes.Header(A.Replace("[0,8]", "[8,16]")), Four, "a", "its values end at byte 16 of the data section, but the file holds only 8 bytes of data: it is truncated;" },
        { QbertBytes.Header(A.Replace("[0,8]", "[4,12]")), [.. Four, .. Four], null, "bytes 0..4 of the data section belong to no tensor;" },
        { QbertBytes.Header(A), [.. Four, 0], null, "the data section has 1 bytes after the last tensor (byte 8 of 9);" },
        { QbertBytes.Header(A + "," + QbertBytes.F32("b", 2, 4, Four)), [.. Four, .. Four], "b", "its values (bytes 4..12) overlap tensor 'a' (up to byte 8);" },
        { QbertBytes.Header(A.Replace(QbertBytes.Sha(Four), "AB" + QbertBytes.Sha(Four)[2..])), Four, "a", "\"sha256\" is \"AB" },
        { QbertBytes.Header(A.Replace(QbertBytes.Sha(Four), "12")), Four, "a", "\"sha256\" is \"12\", not 64 lowercase hex digits;" },
        { QbertBytes.Header(A.Replace("[0,8],", "[0,8],\"scale_offsets\":[8,8],")), Four, "a", "the tensor is F32 and has \"scale_offsets\", which only I8 tensors have;" },
        { QbertBytes.Header(I8().Replace(",\"scale_offsets\":[4,12]", "")), [1, 2, 3, 4, 0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F], "w", "an I8 tensor has no \"scale_offsets\" for its row scales;" },
        { QbertBytes.Header(I8().Replace("[2,2]", "[4]").Replace("[4,12]", "[4,20]")), [1, 2, 3, 4, 0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F], "w", "I8 tensors have rank 2, but the shape is [4];" },
        { QbertBytes.Header(I8().Replace("[4,12]", "[4,8]")), [1, 2, 3, 4, 0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F], "w", "scale_offsets [4, 8] hold 4 bytes, but 2 rows need 8 of F32 scales;" },
        { QbertBytes.Header("\"u\":{\"dtype\":\"U8\",\"shape\":[2,1],\"data_offsets\":[0,2],\"sha256\":\"" + QbertBytes.Sha([1, 2]) + "\"}"), [1, 2], "u", "U8 tensors have rank 1, but the shape is [2, 1];" },
        { "{\"format\":\"qbert\",\"format_version\":1,\"metadata\":{\"k\":\"\\ud800\"},\"tensors\":{}}", [], null, "the string at header.metadata.k is not valid UTF-8 or holds a lone surrogate;" },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void EachFaultHasItsMessage(string header, byte[] data, string? tensor, string problem)
    {
        File.WriteAllBytes(_path, QbertBytes.Build(header, data));
        var e = Assert.Throws<QbertFormatException>(() => QbertFile.Open(_path));
        Assert.Equal(_path, e.File);
        Assert.Equal(tensor, e.Tensor);
        Assert.StartsWith(problem, e.Problem);
        Assert.Equal(tensor is null ? $"{_path}: {e.Problem}" : $"{_path}: tensor '{tensor}': {e.Problem}", e.Message);
    }

    // Bytes no UTF-8 decoder accepts, inside a string: System.Text.Json parses them and throws only when the string is read.
    [Fact]
    public void InvalidUtf8InAStringIsRefusedAtOpen()
    {
        var header = System.Text.Encoding.UTF8.GetBytes(QbertBytes.Header("", 1).Replace("\"metadata\":{}", "\"metadata\":{\"k\":\"ab\"}"));
        var at = Array.IndexOf(header, (byte)'a', Array.IndexOf(header, (byte)'k'));
        header[at] = 0xFF;
        File.WriteAllBytes(_path, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. System.Security.Cryptography.SHA256.HashData(header)]);
        Assert.Contains("is not valid UTF-8", Assert.Throws<QbertFormatException>(() => QbertFile.Open(_path)).Problem);
    }

    [Theory]
    [InlineData(0UL, "the header length is 0 bytes, outside 1..100000000")]
    [InlineData(100_000_001UL, "the header length is 100000001 bytes, outside 1..100000000")]
    [InlineData(ulong.MaxValue, "the header length is 18446744073709551615 bytes, outside 1..100000000")]
    [InlineData(60UL, "the header length is 60 bytes, but with its length and SHA-256 that reaches byte 100 of a 50-byte file: it is truncated;")]
    public void ImpossibleHeaderLengths(ulong length, string problem)
    {
        File.WriteAllBytes(_path, [.. BitConverter.GetBytes(length), .. new byte[42]]);
        Assert.StartsWith(problem, Assert.Throws<QbertFormatException>(() => QbertFile.Open(_path)).Problem);
    }

    [Fact]
    public void CodesAndScalesThatAreNoSymmetricInt8AreRefusedAtRead()
    {
        byte[] minus128 = [1, 0x80, 3, 4, 0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F];
        File.WriteAllBytes(_path, QbertBytes.Build(QbertBytes.Header(I8(minus128)), minus128));
        using (var file = QbertFile.Open(_path))
            Assert.StartsWith("code [0, 1] is -128, which symmetric int8 never uses;", Assert.Throws<QbertFormatException>(() => file.ReadInt8("w")).Problem);
        byte[] negative = [1, 2, 3, 4, 0, 0, 0x80, 0xBF, 0, 0, 0x80, 0x3F];
        File.WriteAllBytes(_path, QbertBytes.Build(QbertBytes.Header(I8(negative)), negative));
        using (var file = QbertFile.Open(_path))
            Assert.StartsWith("the scale of row 0 is -1, not a positive finite number;", Assert.Throws<QbertFormatException>(() => file.ReadInt8("w")).Problem);
    }

    [Fact]
    public void MissingEmptyAndUnreadableFiles()
    {
        Assert.StartsWith("the file cannot be opened (", Assert.Throws<QbertFormatException>(() => QbertFile.Open(_dir.File("none.qbert"))).Problem);
        Assert.StartsWith("the file cannot be opened (", Assert.Throws<QbertFormatException>(() => QbertFile.Open(_dir.Path)).Problem);
        File.WriteAllBytes(_path, []);
        Assert.StartsWith("the file is 0 bytes, too short for the 8-byte header length", Assert.Throws<QbertFormatException>(() => QbertFile.Open(_path)).Problem);
    }

    // A 2×2 I8 tensor "w": codes at [0, 4), two F32 scales at [4, 12), hashed over codes then scales.
    private static string I8(byte[]? data = null)
    {
        data ??= [1, 2, 3, 4, 0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F];
        return "\"w\":{\"dtype\":\"I8\",\"shape\":[2,2],\"data_offsets\":[0,4],\"scale_offsets\":[4,12],\"sha256\":\"" + QbertBytes.Sha(data) + "\"}";
    }
}
