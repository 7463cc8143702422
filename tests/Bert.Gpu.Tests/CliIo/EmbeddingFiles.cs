using System.Text.Json;
using Bert.Gpu.Tests.Support;
using Parquet;
using Parquet.Schema;

namespace Bert.Gpu.Tests.CliIo;

/// <summary>Reads an embedding output back on its format's own terms, not through the writer under test.</summary>
internal static class EmbeddingFiles
{
    public static float[] Read(string path, int width) => Path.GetExtension(path) switch
    {
        ".npy" => ReadNpy(path, width),
        ".jsonl" => ReadJsonl(path, width),
        ".parquet" => ReadParquet(path, width).GetAwaiter().GetResult(),
        var other => throw new ArgumentException(other),
    };

    /// <summary>Distinct, awkward values: negatives, fractions with no short decimal form, a subnormal, extremes.</summary>
    public static float[] Rows(int rows, int width, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * width];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)(random.NextDouble() * 2 - 1) / (i % 7 + 1);
        if (values.Length > 3)
            (values[0], values[1], values[2]) = (float.Epsilon, float.MaxValue, -1f / 3);
        return values;
    }

    private static float[] ReadNpy(string path, int width)
    {
        var (rows, columns, values) = NpyFile.Read(path);
        Assert.Equal(width, columns);
        Assert.Equal(rows * width, values.Length);
        return values;
    }

    private static float[] ReadJsonl(string path, int width)
    {
        var text = File.ReadAllText(path);
        Assert.True(text.Length == 0 || text.EndsWith('\n'));
        var values = new List<float>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var document = JsonDocument.Parse(line);
            var property = Assert.Single(document.RootElement.EnumerateObject());
            Assert.Equal("embedding", property.Name);
            Assert.Equal(width, property.Value.GetArrayLength());
            values.AddRange(property.Value.EnumerateArray().Select(v => v.GetSingle()));
        }
        return [.. values];
    }

    private static async Task<float[]> ReadParquet(string path, int width)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var list = Assert.IsType<ListField>(Assert.Single(reader.Schema.Fields));
        Assert.Equal("embedding", list.Name);
        var element = Assert.Single(reader.Schema.GetDataFields());
        Assert.Equal(typeof(float), element.ClrType);
        var values = new List<float>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = (int)group.GetMetadata(element)!.MetaData!.NumValues;
            Assert.Equal(group.RowCount * width, count);
            var chunk = new float[count];
            var definitions = new int[count];
            var repetitions = new int[count];
            await group.ReadRawAsync<float>(element, chunk, definitions, repetitions, CancellationToken.None);
            Assert.All(definitions, d => Assert.Equal(element.MaxDefinitionLevel, d));
            for (var i = 0; i < count; i++)
                Assert.Equal(i % width == 0 ? 0 : 1, repetitions[i]);
            values.AddRange(chunk);
        }
        return [.. values];
    }
}
