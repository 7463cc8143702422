using System.Text.Encodings.Web;
using System.Text.Json;
using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>
/// A task command's JSON Lines output: one object per line, written to a temporary file beside the destination and
/// renamed into place by <see cref="Commit"/> (<see cref="AtomicOutputFile"/>), so a failed run leaves no partial file under the name.
/// </summary>
internal sealed class JsonLinesOutput : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly AtomicOutputFile _file;
    private readonly Utf8JsonWriter _writer;

    /// <summary>Starts writing <paramref name="destination"/> (already checked by <see cref="OutputChecks.Check"/>).</summary>
    public JsonLinesOutput(string destination)
    {
        _file = new AtomicOutputFile(destination);
        _writer = new Utf8JsonWriter(_file.Stream, Options);
    }

    /// <summary>Writes one line: <paramref name="write"/> writes one JSON value (an object) to the writer it is given.</summary>
    public void Line(Action<Utf8JsonWriter> write)
    {
        write(_writer);
        _writer.Flush();
        _writer.Reset();
        _file.Stream.WriteByte((byte)'\n');
    }

    /// <summary>Flushes the file and renames it to the destination.</summary>
    public void Commit()
    {
        _writer.Dispose();
        _file.Commit();
    }

    public void Dispose()
    {
        try
        {
            _writer.Dispose();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A write that just failed (a full disk) fails again as the writer flushes; the temporary file goes anyway.
        }
        _file.Dispose();
    }
}
