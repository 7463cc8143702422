using System.Diagnostics;

namespace Bert.Gpu.Cli.Progress;

/// <summary>
/// Progress of a long job on stderr: on a terminal a bar redrawn in place (texts, tokens/s, ETA) a few times a second;
/// otherwise (a log, CI) a plain line every <see cref="PlainInterval"/>, so logs stay readable.
/// </summary>
internal sealed class ProgressReporter(long? totalTexts, long alreadyDone)
{
    private static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastShown = TimeSpan.Zero;
    private long _texts, _tokens;

    public void Add(long texts, long tokens)
    {
        _texts += texts;
        _tokens += tokens;
        if (_clock.Elapsed - _lastShown < (_terminal ? TerminalInterval : PlainInterval))
            return;
        _lastShown = _clock.Elapsed;
        Show();
    }

    /// <summary>Ends the bar's line so the summary starts on its own line.</summary>
    public void Finish()
    {
        if (_terminal && _lastShown > TimeSpan.Zero)
            Console.Error.WriteLine();
    }

    private void Show()
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var done = alreadyDone + _texts;
        var rate = _tokens / Math.Max(seconds, 1e-9);
        string line;
        if (totalTexts is { } total && total > 0)
        {
            var fraction = Math.Min(1.0, done / (double)total);
            var remaining = _texts > 0 ? TimeSpan.FromSeconds(seconds / _texts * Math.Max(0, total - done)) : (TimeSpan?)null;
            var bar = new string('#', (int)(fraction * 24)).PadRight(24, '.');
            line = $"[{bar}] {done}/{total} texts {fraction:P0}, {rate:F0} tokens/s, ETA {Format(remaining)}";
        }
        else
        {
            line = $"{done} texts, {rate:F0} tokens/s";
        }
        if (_terminal)
            Console.Error.Write("\r" + line.PadRight(Math.Min(Console.BufferWidth - 1, 100)));
        else
            Console.Error.WriteLine(line);
    }

    private static string Format(TimeSpan? span) =>
        span is not { } s ? "?" : s.TotalHours >= 1 ? $"{(int)s.TotalHours}h{s.Minutes:D2}m" : $"{s.Minutes}m{s.Seconds:D2}s";
}
