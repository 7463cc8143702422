using System.Globalization;
using System.Text;

namespace Bert.Gpu.Cli.Output;

/// <summary>One <c>{"embedding":[…]}</c> object per line; floats in their shortest round-trip form.</summary>
internal sealed class JsonlEmbeddingWriter(Stream stream, int width) : IEmbeddingWriter
{
    private readonly StreamWriter _writer = new(stream, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };

    public void Write(ReadOnlySpan<float> rows)
    {
        for (var r = 0; r < rows.Length / width; r++)
        {
            _writer.Write("{\"embedding\":[");
            var row = rows.Slice(r * width, width);
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0)
                    _writer.Write(',');
                _writer.Write(row[i].ToString("R", CultureInfo.InvariantCulture));
            }
            _writer.WriteLine("]}");
        }
    }

    public void Complete() => _writer.Flush();
}
