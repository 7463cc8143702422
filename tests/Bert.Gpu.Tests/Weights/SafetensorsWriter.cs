using System.Text;
using System.Text.Json;

namespace Bert.Gpu.Tests.Weights;

/// <summary>Writes safetensors files for tests: entries laid out back to back, header padded to 8 bytes as the format recommends.</summary>
internal static class SafetensorsWriter
{
    public sealed record Entry(string Name, string Dtype, int[] Shape, byte[] Data);

    public static Entry F32(string name, float[] values, params int[] shape) =>
        new(name, "F32", shape, values.SelectMany(BitConverter.GetBytes).ToArray());

    public static Entry F16(string name, float[] values, params int[] shape) =>
        new(name, "F16", shape, values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray());

    public static void Write(string path, IEnumerable<Entry> entries)
    {
        var header = new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["format"] = "pt" } };
        var data = new MemoryStream();
        foreach (var e in entries)
        {
            header[e.Name] = new { dtype = e.Dtype, shape = e.Shape, data_offsets = new[] { data.Length, data.Length + e.Data.Length } };
            data.Write(e.Data);
        }
        WriteRaw(path, JsonSerializer.Serialize(header), data.ToArray());
    }

    /// <summary>Writes exactly this header text and data, for malformed files.</summary>
    public static void WriteRaw(string path, string headerJson, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var padded = header.Concat(Enumerable.Repeat((byte)' ', (8 - header.Length % 8) % 8)).ToArray();
        using var file = File.Create(path);
        file.Write(BitConverter.GetBytes((long)padded.Length));
        file.Write(padded);
        file.Write(data);
    }
}
