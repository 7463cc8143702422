using System.Diagnostics;
using Bert.Gpu.Cli.Caching;
using Bert.Gpu.Cli.Input;
using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Cli.Progress;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// The streaming loop of <c>embed</c>: the input is read lazily and once (a pipe works), cut into chunks; a few chunks
/// are in flight in the shared batch scheduler at once (the next is tokenized while the current computes); rows are
/// written in input order as their chunk completes, each chunk recorded in the job manifest with the running hash of
/// the texts it came from. Memory stays bounded however large the input. A resumed job first re-reads the texts the
/// partial output already covers and proves, by their hash, that they are the texts it was made from. With a cache,
/// each chunk's rows are looked up first and only the missing ones computed (<see cref="CachedChunk"/>).
/// </summary>
internal static class EmbedJob
{
    /// <summary>Most texts in a chunk, the unit of writing and of resuming.</summary>
    private const int ChunkTexts = 1024;

    /// <summary>
    /// Characters per chunk, per token of the device's batch budget: long documents make smaller chunks, so progress
    /// and durable rows come every few seconds (not after 1,024 documents) and a chunk's texts stay a few MB at most.
    /// About 8 characters make a token of English (fortunes: 103,620 tokens in 2,000 lines of ~430 KB).
    /// </summary>
    private const int ChunkCharsPerBatchToken = 8;

    /// <summary>Chunks queued or computing at once: enough to keep the devices fed, few enough to bound memory.</summary>
    private const int ChunksInFlight = 3;

    /// <summary>A chunk in flight: its task (tokens encoded), the reused buffer its rows land in, and where it came from.</summary>
    private sealed record Chunk(Task<long> Tokens, float[] Buffer, int Count, long[] Lines, string InputSha256, long End, CachedChunk? Cached);

    /// <summary>
    /// Embeds the rest of <paramref name="input"/> into <paramref name="job"/>, taking what rows it can from
    /// <paramref name="cache"/>; null when <paramref name="stop"/> ended it early.
    /// </summary>
    /// <exception cref="CliException">The input changed since the run a resume continues, or a text's embedding is not finite.</exception>
    public static EmbedStats? Run(TextInput input, Embedder embedder, OutputJob job, CancellationToken stop, EmbeddingCache? cache = null)
    {
        using var texts = input.Texts.GetEnumerator();
        using var inputHash = new RunningHash();
        var startOffset = SkipResumed(texts, inputHash, input, job);
        using var progress = ProgressReporter.ForStandardError(input.Length, job.ResumedFrom.Rows);
        progress.StartedAt(startOffset);
        var clock = Stopwatch.StartNew();
        long embedded = 0, tokens = 0;
        var inFlight = new Queue<Chunk>();
        var chunkChars = Math.Max(1 << 16, ChunkCharsPerBatchToken * (long)embedder.MaxBatchTokens);
        // One rows buffer per chunk in flight, reused: a fresh one per chunk (1.5 MB for 1,024 MiniLM rows) lands on
        // the large-object heap, which only full collections clear, and made the peak grow with the input.
        var freeBuffers = new Stack<float[]>();

        // Writes the oldest chunk; false when the stop cancelled it (it stays queued: nothing after it may be written,
        // or rows would shift off their texts).
        bool WriteNext()
        {
            var chunk = inFlight.Peek();
            long chunkTokens;
            try
            {
                chunkTokens = chunk.Tokens.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            catch (NonFiniteEmbeddingException e)
            {
                throw new CliException($"{input.Name}:{chunk.Lines[chunk.Cached?.Original(e.Index) ?? e.Index]}: the embedding of this text came out NaN or infinite (the encoder overflowed on it), so no row is written for it; fix or remove the text", e);
            }
            inFlight.Dequeue();
            job.Write(chunk.Buffer.AsMemory(0, chunk.Count * embedder.Dimension), chunk.InputSha256);
            freeBuffers.Push(chunk.Buffer);
            embedded += chunk.Count;
            tokens += chunkTokens;
            progress.Written(chunk.Count, chunk.End);
            return true;
        }

        Task<long> Compute(List<string> chunkTexts, List<int[]>? ids, IReadOnlyList<long> lines, float[] buffer) => ids is null
            ? embedder.EmbedIntoAsync(chunkTexts, buffer, stop, progress)
            : embedder.EmbedIntoAsync(Sequences(ids, lines, input.Name, embedder), buffer, stop, progress);

        try
        {
            var more = true;
            while (more && !stop.IsCancellationRequested)
            {
                var (chunkTexts, lines, end, ids) = NextChunk(texts, inputHash, chunkChars, ref more);
                if (chunkTexts.Count == 0)
                    break;
                var buffer = freeBuffers.Count > 0 ? freeBuffers.Pop() : new float[ChunkTexts * embedder.Dimension];
                var cached = cache is null ? null : CachedChunk.Find(cache, chunkTexts, ids);
                var rows = cached is null
                    ? Compute(chunkTexts, ids, lines, buffer)
                    : cached.Complete(cached.Missing == 0 ? Task.FromResult(0L)
                        : Compute(cached.OnlyMissing(chunkTexts), ids is null ? null : cached.OnlyMissing(ids), cached.OnlyMissing(lines), buffer),
                        buffer.AsMemory(0, chunkTexts.Count * embedder.Dimension), embedder.Dimension);
                inFlight.Enqueue(new Chunk(rows, buffer, chunkTexts.Count, lines, inputHash.Current, end, cached));
                while (inFlight.Count >= ChunksInFlight)
                    if (!WriteNext())
                        break;
            }
            while (inFlight.Count > 0 && !stop.IsCancellationRequested)
                if (!WriteNext())
                    break;
            if (stop.IsCancellationRequested)
            {
                // Chunks that finished before the stop are worth keeping; the rest were abandoned.
                while (inFlight.Count > 0 && inFlight.Peek().Tokens.IsCompletedSuccessfully)
                    WriteNext();
                return null;
            }
        }
        finally
        {
            progress.Finish();
            // Abandoned chunks end as cancelled; observe them so none reports an unobserved fault later.
            foreach (var chunk in inFlight)
                _ = chunk.Tokens.Exception;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return new EmbedStats(embedded, tokens, seconds, seconds > 0 ? tokens / seconds : 0, embedder.DeviceName,
            embedder.Precision.ToString().ToLowerInvariant(), embedder.HalfActivationsBetweenKernels ? "fp16" : "fp32", cache?.Counters.Hits, cache?.Counters.Misses, cache?.Counters.Evictions);
    }

    /// <summary>Reads the texts the resumed partial output already covers, proving by their hash that they are the same; returns the input offset after them.</summary>
    private static long SkipResumed(IEnumerator<InputText> texts, RunningHash inputHash, TextInput input, OutputJob job)
    {
        var from = job.ResumedFrom;
        if (from.Rows == 0)
            return 0;
        long skipped = 0, offset = 0, line = 0;
        while (skipped < from.Rows)
        {
            if (!texts.MoveNext())
                throw new CliException($"cannot resume {job.PartialPath}: it holds {from.Rows} rows, but {input.Name} now has only {skipped} texts — the input changed since the interrupted run. Restore that input, or pass --overwrite to start over.");
            inputHash.AppendText(texts.Current.Text);
            (offset, line) = (texts.Current.End, texts.Current.Line);
            skipped++;
        }
        if (inputHash.Current != from.InputSha256)
            throw new CliException($"cannot resume {job.PartialPath}: the first {from.Rows} texts of {input.Name} (to line {line}) are not those the interrupted run embedded — the input changed. Restore that input, or pass --overwrite to start over.");
        Console.Error.WriteLine($"resuming after {from.Rows} rows already in {job.PartialPath} (the model, the options and the input's first {from.Rows} texts verified)");
        return offset;
    }

    /// <summary>The next chunk: texts until <see cref="ChunkTexts"/> of them or <paramref name="maxChars"/> characters (at least one text), each appended to <paramref name="inputHash"/>.</summary>
    internal static (List<string> Texts, long[] Lines, long End, List<int[]>? Ids) NextChunk(IEnumerator<InputText> texts, RunningHash inputHash, long maxChars, ref bool more)
    {
        var chunk = new List<string>();
        List<int[]>? ids = null;
        var lines = new List<long>();
        long chars = 0, end = 0;
        while (chunk.Count < ChunkTexts && chars < maxChars)
        {
            if (!texts.MoveNext())
            {
                more = false;
                break;
            }
            var text = texts.Current;
            inputHash.AppendText(text.Text);
            chunk.Add(text.Text);
            if (text.Ids is { } tokenIds)
                (ids ??= []).Add(tokenIds);
            lines.Add(text.Line);
            chars += text.Text.Length;
            end = text.End;
        }
        return (chunk, [.. lines], end, ids);
    }

    /// <summary>Pre-tokenized ids as the encoder takes them, each checked against the model first (<see cref="JsonlIds.Sequence"/>).</summary>
    private static List<Bert.Gpu.Tokenization.TokenizedText> Sequences(List<int[]> ids, IReadOnlyList<long> lines, string name, Embedder embedder)
    {
        var sequences = new List<Bert.Gpu.Tokenization.TokenizedText>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
            sequences.Add(JsonlIds.Sequence(ids[i], $"{name}:{lines[i]}", embedder.MaxLength, embedder.Model.Config.VocabSize));
        return sequences;
    }
}
