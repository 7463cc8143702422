using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>
/// HF's Metaspace pre-tokenizer (SentencePiece's whitespace handling): every space becomes the replacement
/// character (▁), one is put before the split per the prepend scheme, and the split is cut before each ▁.
/// </summary>
/// <param name="replacement">The character standing for a space.</param>
/// <param name="scheme">When to prepend one.</param>
/// <param name="split">Cut before each replacement character (HF's MergedWithNext); otherwise the split stays whole.</param>
internal sealed class MetaspacePreTokenizer(string replacement, PrependScheme scheme, bool split) : IPreTokenizer
{
    public void Split(SplitText source, Split split1, SplitText destination)
    {
        var text = source.TextOf(split1);
        var starts = source.Starts.Slice(split1.Start, split1.Length);
        var ends = source.Ends.Slice(split1.Start, split1.Length);
        var from = destination.Length;
        // HF replaces first, then checks whether the result starts with the replacement.
        var startsWithReplacement = text[0] == ' ' || text.StartsWith(replacement, StringComparison.Ordinal);
        if (!startsWithReplacement && (scheme == PrependScheme.Always || scheme == PrependScheme.First && split1.OriginalShift == 0))
        {
            // HF's prepend: the new characters take the span of the split's first character.
            foreach (var c in replacement) destination.Append(c, starts[0], ends[0]);
        }
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == ' ')
            {
                foreach (var c in replacement) destination.Append(c, starts[i], ends[i]);
            }
            else
            {
                destination.Append(text[i], starts[i], ends[i]);
            }
        }
        if (!split)
        {
            destination.CloseSplit(from);
            return;
        }
        var written = destination.Chars[from..];
        var pieceStart = 0;
        for (var i = 1; i <= written.Length - replacement.Length; i++)
        {
            if (!written[i..].StartsWith(replacement, StringComparison.Ordinal)) continue;
            destination.AddWrittenRange(from + pieceStart, i - pieceStart);
            pieceStart = i;
            i += replacement.Length - 1;
        }
        destination.AddWrittenRange(from + pieceStart, written.Length - pieceStart);
    }
}
