using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace Bert.Gpu.Tests.Support;

/// <summary>Reads a float32 2-D .npy file the way numpy.load would, from the format specification.</summary>
internal static partial class NpyFile
{
    public static (int Rows, int Columns, float[] Values) Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("\x93NUMPY", Encoding.Latin1.GetString(bytes, 0, 6));
        Assert.Equal(1, bytes[6]);
        var headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(0, (10 + headerLength) % 64);
        var header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'fortran_order': False", header);
        Assert.EndsWith("\n", header);
        var shape = Shape().Match(header);
        Assert.True(shape.Success, header);
        int rows = int.Parse(shape.Groups[1].Value), columns = int.Parse(shape.Groups[2].Value);
        var data = bytes.AsSpan(10 + headerLength);
        Assert.Equal(rows * columns * 4, data.Length);
        var values = new float[rows * columns];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
        return (rows, columns, values);
    }

    [GeneratedRegex(@"'shape': \((\d+), (\d+)\)")]
    private static partial Regex Shape();
}
