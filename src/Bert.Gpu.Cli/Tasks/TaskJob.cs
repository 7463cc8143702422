using System.Diagnostics;
using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Progress;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>
/// The streaming loop of the task commands: the input is read lazily and once, cut into chunks of
/// <see cref="ChunkRecords"/> records; each chunk is tokenized, run as one batch and written, in input order, before the
/// next is read, so memory stays bounded however large the input. After each chunk the output's manifest records the
/// records done and the running hash of their texts; a resumed job first re-reads the records the partial output
/// covers and proves by that hash that they are the same.
/// </summary>
internal static class TaskJob
{
    /// <summary>Records in a chunk: one batch.</summary>
    public const int ChunkRecords = 64;

    /// <summary>
    /// Runs <paramref name="chunk"/> on each chunk of <paramref name="source"/> (it computes and writes the chunk's lines
    /// and returns the tokens it ran), reporting progress on stderr; then prints a one-line summary. A first SIGINT
    /// (Ctrl-C) or SIGTERM stops it after the chunk in flight is written and recorded (<see cref="Interruption"/>).
    /// </summary>
    /// <param name="checkpoints">False when lines lag behind the records read (rerank --sort): the manifest is then never written, and nothing is kept.</param>
    /// <returns>Null when every record is done (the caller commits); the signal's exit code when it stopped early, having said what is kept.</returns>
    /// <exception cref="CliException">The input is not the one a resumed job was made from; or a record is bad (the message says what is kept).</exception>
    public static int? Run(TaskSource source, JsonLinesOutput output, string device, Func<IReadOnlyList<TaskRecord>, long> chunk, bool checkpoints = true)
    {
        using var interruption = new Interruption(() => Kept(output, checkpoints));
        using var records = source.Records.GetEnumerator();
        using var inputHash = new RunningHash();
        var startOffset = SkipResumed(records, inputHash, source, output);
        using var progress = ProgressReporter.ForStandardError(source.Length, output.Records);
        progress.StartedAt(startOffset);
        var clock = Stopwatch.StartNew();
        long done = output.Records, tokens = 0;
        var batch = new List<TaskRecord>(ChunkRecords);
        try
        {
            while (!interruption.Token.IsCancellationRequested && records.MoveNext())
            {
                Append(inputHash, records.Current);
                batch.Add(records.Current);
                if (batch.Count == ChunkRecords)
                    Flush();
            }
            if (!interruption.Token.IsCancellationRequested)
                Flush();
        }
        catch (Exception e) when (e is CliException or IOException && output.Records > 0 && checkpoints)
        {
            throw new CliException($"{e.Message}; {output.Records} inputs' lines kept in {output.PartialPath}; rerun the same command with --resume to continue", e);
        }
        finally
        {
            progress.Finish();
        }
        if (interruption.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine($"{interruption.SignalName}: stopped; {Kept(output, checkpoints)}");
            return interruption.ExitCode;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"{done - (output.Resumed?.Records ?? 0)} inputs, {tokens} tokens in {seconds:F2} s: {(seconds > 0 ? tokens / seconds : 0):F0} tokens/s on {device}");
        return null;

        void Flush()
        {
            if (batch.Count == 0)
                return;
            var ran = chunk(batch);
            done += batch.Count;
            if (checkpoints)
                output.Checkpoint(done, inputHash.Current);
            progress.Report(ran);
            progress.Written(batch.Count, batch[^1].End);
            tokens += ran;
            batch.Clear();
        }
    }

    private static string Kept(JsonLinesOutput output, bool checkpoints) => checkpoints && output.Records > 0
        ? $"{output.Records} inputs' lines kept in {output.PartialPath}; rerun the same command with --resume to continue"
        : "no lines were kept";

    private static void Append(RunningHash hash, TaskRecord record)
    {
        hash.AppendText(record.Text);
        if (record.Pair is { } pair)
            hash.AppendText(pair);
    }

    /// <summary>Reads the records the resumed partial output covers, proving by their hash that they are the same; returns the input offset after them.</summary>
    private static long SkipResumed(IEnumerator<TaskRecord> records, RunningHash inputHash, TaskSource source, JsonLinesOutput output)
    {
        if (output.Resumed is not { } from)
            return 0;
        long skipped = 0, offset = 0, line = 0;
        while (skipped < from.Records)
        {
            if (!records.MoveNext())
                throw new CliException($"cannot resume {output.PartialPath}: it answers {from.Records} inputs, but {source.Name} now has only {skipped} — the input changed since the interrupted run. Restore that input, or pass --overwrite to start over.");
            Append(inputHash, records.Current);
            (offset, line) = (records.Current.End, records.Current.Line);
            skipped++;
        }
        if (inputHash.Current != from.InputSha256)
            throw new CliException($"cannot resume {output.PartialPath}: the first {from.Records} inputs of {source.Name} (to line {line}) are not those the interrupted run read — the input changed. Restore that input, or pass --overwrite to start over.");
        Console.Error.WriteLine($"resuming after {from.Records} inputs already answered in {output.PartialPath} (the model, the options and those inputs verified)");
        return offset;
    }
}
