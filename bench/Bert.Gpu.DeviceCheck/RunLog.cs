namespace Bert.Gpu.DeviceCheck;

/// <summary>Lines to the console and to devicecheck.log at once, flushed per line so a killed run still leaves its log.</summary>
internal sealed class RunLog(string path) : IDisposable
{
    private readonly StreamWriter _file = new(path) { AutoFlush = true };

    public void Line(string text)
    {
        Console.WriteLine(text);
        _file.WriteLine(text);
    }

    public void Dispose() => _file.Dispose();
}
