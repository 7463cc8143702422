using System.Diagnostics;
using Bert.Gpu.Cli.Progress;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>
/// The streaming loop of the task commands: the input is read lazily and once, cut into chunks of
/// <see cref="ChunkRecords"/> records; each chunk is tokenized, run as one batch and written, in input order, before the
/// next is read, so memory stays bounded however large the input.
/// </summary>
internal static class TaskJob
{
    /// <summary>Records in a chunk: one batch.</summary>
    public const int ChunkRecords = 64;

    /// <summary>
    /// Runs <paramref name="chunk"/> on each chunk of <paramref name="source"/> (it computes and writes the chunk's lines
    /// and returns the tokens it ran), reporting progress on stderr; then prints a one-line summary.
    /// </summary>
    public static void Run(TaskSource source, string device, Func<IReadOnlyList<TaskRecord>, long> chunk)
    {
        using var progress = ProgressReporter.ForStandardError(source.Length, 0);
        var clock = Stopwatch.StartNew();
        long records = 0, tokens = 0;
        var batch = new List<TaskRecord>(ChunkRecords);
        try
        {
            foreach (var record in source.Records)
            {
                batch.Add(record);
                if (batch.Count == ChunkRecords)
                    Flush();
            }
            Flush();
        }
        finally
        {
            progress.Finish();
        }
        var seconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine($"{records} inputs, {tokens} tokens in {seconds:F2} s: {(seconds > 0 ? tokens / seconds : 0):F0} tokens/s on {device}");

        void Flush()
        {
            if (batch.Count == 0)
                return;
            var ran = chunk(batch);
            progress.Report(ran);
            progress.Written(batch.Count, batch[^1].End);
            records += batch.Count;
            tokens += ran;
            batch.Clear();
        }
    }
}
