using System.Diagnostics;
using System.Globalization;

namespace Bert.Gpu.Cli.Progress;

/// <summary>
/// Progress of a long job on stderr, redrawn on a timer whatever the job is doing (a batch of long documents may take
/// a minute): on a terminal a bar redrawn in place a few times a second; otherwise (a log, CI) a plain line every
/// <see cref="PlainInterval"/>, so logs stay readable. The fraction and ETA come from the input bytes consumed, so no
/// counting pass over the input is needed; a pipe, whose size is unknown, shows counts and speed only.
/// </summary>
internal sealed class ProgressReporter : IDisposable
{
    private static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    private readonly TextWriter _output;
    private readonly bool _terminal;
    private readonly Func<int> _columns;
    private readonly long? _inputBytes;
    private readonly long _alreadyDone;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer _timer;
    private readonly Lock _lock = new();
    private long _texts, _tokens, _startOffset = -1, _offset;
    private int _drawn;
    private bool _finished;

    /// <param name="output">Where to draw (stderr).</param>
    /// <param name="terminal">Draw a bar in place (stderr is a terminal) rather than plain lines.</param>
    /// <param name="columns">The terminal's width; 0 or less when it does not say.</param>
    /// <param name="inputBytes">The input's size, if known.</param>
    /// <param name="alreadyDone">Texts done by an earlier run that this one resumes.</param>
    public ProgressReporter(TextWriter output, bool terminal, Func<int> columns, long? inputBytes, long alreadyDone)
    {
        _output = output;
        _terminal = terminal;
        _columns = columns;
        _inputBytes = inputBytes;
        _alreadyDone = alreadyDone;
        var interval = terminal ? TerminalInterval : PlainInterval;
        _timer = new Timer(_ => Draw(), null, interval, interval);
    }

    /// <summary>For stderr: a bar on a terminal, plain lines otherwise.</summary>
    public static ProgressReporter ForStandardError(long? inputBytes, long alreadyDone) =>
        new(Console.Error, !Console.IsErrorRedirected, ConsoleColumns, inputBytes, alreadyDone);

    /// <summary>Records that <paramref name="texts"/> more texts (<paramref name="tokens"/> tokens) are done, the input read up to byte <paramref name="inputOffset"/>.</summary>
    public void Add(long texts, long tokens, long inputOffset)
    {
        lock (_lock)
        {
            _texts += texts;
            _tokens += tokens;
            _offset = inputOffset;
        }
    }

    /// <summary>Where this run started reading (after the texts a resume skipped), for the ETA.</summary>
    public void StartedAt(long inputOffset)
    {
        lock (_lock)
            _startOffset = _offset = inputOffset;
    }

    /// <summary>Stops redrawing and ends the bar's line, so the summary starts on its own line.</summary>
    public void Finish()
    {
        lock (_lock)
        {
            if (_finished)
                return;
            _finished = true;
            _timer.Dispose();
            if (_terminal && _drawn > 0)
                _output.WriteLine();
        }
    }

    public void Dispose() => Finish();

    /// <summary>The line as it stands now.</summary>
    internal string Line()
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var done = _alreadyDone + _texts;
        var rate = _tokens / Math.Max(seconds, 1e-9);
        var counts = string.Create(CultureInfo.InvariantCulture, $"{done:N0} texts, {rate:N0} tokens/s");
        if (_inputBytes is not { } total || total <= 0)
            return counts;
        var fraction = Math.Clamp(_offset / (double)total, 0, 1);
        var start = Math.Max(0, _startOffset);
        var read = _offset - start;
        TimeSpan? remaining = read > 0 ? TimeSpan.FromSeconds(seconds / read * Math.Max(0, total - _offset)) : null;
        var bar = new string('#', (int)(fraction * 24)).PadRight(24, '.');
        return string.Create(CultureInfo.InvariantCulture, $"[{bar}] {fraction * 100:F0}% of the input, {counts}, ETA {Format(remaining)}");
    }

    /// <summary>Draws the line now (the timer calls it; tests too).</summary>
    internal void Draw()
    {
        lock (_lock)
        {
            if (_finished)
                return;
            var line = Line();
            if (!_terminal)
            {
                _output.WriteLine(line);
                return;
            }
            // Cut to the terminal's width (a wrapped line cannot be redrawn in place); a terminal that reports no
            // width (0 columns) gets the line as it is. Pad over what the previous, longer line left.
            var columns = _columns();
            if (columns > 1 && line.Length > columns - 1)
                line = line[..(columns - 1)];
            var padded = line.PadRight(_drawn);
            _drawn = line.Length;
            _output.Write("\r" + padded);
            _output.Flush();
        }
    }

    private static int ConsoleColumns()
    {
        try
        {
            return Console.BufferWidth;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static string Format(TimeSpan? span) =>
        span is not { } s ? "?" : s.TotalHours >= 1 ? $"{(int)s.TotalHours}h{s.Minutes:D2}m" : $"{s.Minutes}m{s.Seconds:D2}s";
}
