using Bert.Gpu.Backends;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Encoder;

/// <summary>
/// Tokenized sequences laid end to end without padding (the layout of the design: <c>cu_seqlens</c>-style
/// <see cref="SeqStarts"/>), ready to upload.
/// </summary>
public sealed class PackedBatch
{
    /// <summary>Packs <paramref name="sequences"/> in order; each must hold at least one token.</summary>
    public PackedBatch(IReadOnlyList<TokenizedText> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        SeqStarts = new int[sequences.Count + 1];
        var total = 0;
        for (var s = 0; s < sequences.Count; s++)
        {
            var length = sequences[s].Ids.Length;
            if (length == 0)
                throw new ArgumentException($"Sequence {s} has no tokens.", nameof(sequences));
            if (sequences[s].TypeIds.Length != length)
                throw new ArgumentException($"Sequence {s} has {length} ids but {sequences[s].TypeIds.Length} type ids.", nameof(sequences));
            SeqStarts[s] = total;
            total += length;
            MaxSequenceLength = Math.Max(MaxSequenceLength, length);
        }
        SeqStarts[^1] = total;
        InputIds = new int[total];
        TypeIds = new int[total];
        PositionIds = new int[total];
        for (var s = 0; s < sequences.Count; s++)
        {
            sequences[s].Ids.CopyTo(InputIds, SeqStarts[s]);
            sequences[s].TypeIds.CopyTo(TypeIds, SeqStarts[s]);
            for (var i = 0; i < sequences[s].Ids.Length; i++)
                PositionIds[SeqStarts[s] + i] = i;
        }
    }

    /// <summary>Vocabulary id of every token.</summary>
    public int[] InputIds { get; }

    /// <summary>Token-type id of every token.</summary>
    public int[] TypeIds { get; }

    /// <summary>Position of every token within its sequence.</summary>
    public int[] PositionIds { get; }

    /// <summary>First token of each sequence, then <see cref="TotalTokens"/>.</summary>
    public int[] SeqStarts { get; }

    /// <summary>Number of sequences.</summary>
    public int Sequences => SeqStarts.Length - 1;

    /// <summary>Number of tokens over all sequences.</summary>
    public int TotalTokens => InputIds.Length;

    /// <summary>Length of the longest sequence.</summary>
    public int MaxSequenceLength { get; }

    /// <summary>Copies the batch to <paramref name="backend"/>, with <paramref name="positionIds"/> in place of <see cref="PositionIds"/> if given (position ids are data: a family numbers them its own way).</summary>
    public DeviceBatch Upload(IComputeBackend backend, int[]? positionIds = null) =>
        new(backend.Upload(InputIds), backend.Upload(TypeIds), backend.Upload(positionIds ?? PositionIds), backend.Upload(SeqStarts),
            Sequences, TotalTokens, MaxSequenceLength);
}
