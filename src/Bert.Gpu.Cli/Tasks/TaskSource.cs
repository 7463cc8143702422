using Bert.Gpu.Cli.Input;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>The opened input of a task command: texts (lines, JSON Lines or CSV) or JSON Lines pairs, read lazily and once.</summary>
internal sealed class TaskSource : IDisposable
{
    private readonly IDisposable _input;

    private TaskSource(IDisposable input, string name, string? path, long? length, string format, IEnumerable<TaskRecord> records)
    {
        Format = format;
        _input = input;
        Name = name;
        Path = path;
        Length = length;
        Records = records;
    }

    /// <summary>What errors call the input: its path, or <c>stdin</c>.</summary>
    public string Name { get; }

    /// <summary>The input's full path; null for standard input.</summary>
    public string? Path { get; }

    /// <summary>Size in bytes of a regular file; null for a pipe.</summary>
    public long? Length { get; }

    /// <summary>How records are read (format, field or column names), for a job's identity.</summary>
    public string Format { get; }

    /// <summary>The records, in input order; enumerate once.</summary>
    public IEnumerable<TaskRecord> Records { get; }

    /// <summary>
    /// Single texts, as <c>embed</c> reads them (with <paramref name="idsField"/>, pre-tokenized ids); with
    /// <paramref name="pairWith"/> each becomes the pair (<paramref name="pairWith"/>, text).
    /// </summary>
    public static TaskSource Texts(string path, InputFormat format, string? textField, string? textColumn, string? pairWith = null, string? idsField = null)
    {
        var input = TextInput.Open(path, format, textField, textColumn, idsField);
        var records = input.Texts.Select(t => pairWith is null
            ? new TaskRecord(t.Line, t.Text, null, t.End, t.Ids)
            : new TaskRecord(t.Line, pairWith, t.Text, t.End));
        return new TaskSource(input, input.Name, input.Path, input.Length,
            $"{input.Format.ToString().ToLowerInvariant()}:{textField}{textColumn}{(idsField is null ? "" : $"ids={idsField}")}", records);
    }

    /// <summary>JSON Lines pairs: the string fields <paramref name="first"/> and <paramref name="second"/> of each record, each with the option that names it.</summary>
    public static TaskSource Pairs(string path, (string Field, string Option) first, (string Field, string Option) second)
    {
        var input = RecordInput.Open(path, [first, second]);
        var records = input.Records.Select(r => new TaskRecord(r.Line, r.Fields[0], r.Fields[1], r.End));
        return new TaskSource(input, input.Name, input.Path, input.Length, $"jsonl:{first.Field},{second.Field}", records);
    }

    /// <summary>What errors call the input at <paramref name="path"/>.</summary>
    public static string NameOf(string path) => TextInput.NameOf(path);

    public void Dispose() => _input.Dispose();
}
