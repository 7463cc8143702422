using System.Text;
using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>
/// HF's NFD, NFKD, NFC and NFKC normalizers, as its unicode-normalization-alignments crate computes them: every
/// output character carries the crate's change (0: replaces the next source character, 1: inserted, -n: also drops
/// n), which decides the original span it gets, and characters reordered by combining class keep their change.
/// </summary>
internal sealed class UnicodeNormalizer(UnicodeForm form) : INormalizer
{
    // Below U+00A0 nothing decomposes and every class is 0: such text is its own normal form, in every form.
    private const char FirstAffected = '\u00A0';

    [ThreadStatic] private static Buffers? t_buffers;

    public void Normalize(NormalizedText text)
    {
        if (!text.Text.ContainsAnyExceptInRange('\0', (char)(FirstAffected - 1))) return;
        var buffers = t_buffers ??= new Buffers();
        var decomposed = buffers.Decomposed;
        decomposed.Clear();
        Decompose(text.Text, form is UnicodeForm.Nfkd or UnicodeForm.Nfkc, buffers);
        var output = decomposed;
        if (form is UnicodeForm.Nfc or UnicodeForm.Nfkc)
        {
            buffers.Composed.Clear();
            Compose(decomposed, buffers.Composed, buffers.Blocked);
            output = buffers.Composed;
        }
        var rewriter = text.BeginRewrite();
        foreach (var (cp, change, _) in output) rewriter.Emit(new Rune(cp), change);
        rewriter.Commit();
        if (decomposed.Count > ScratchLimit.Elements) t_buffers = null;
    }

    // The crate's Decompositions iterator: each character's parts (the first with change 0, the rest 1), and each
    // run of non-starters stably sorted by class once the next starter (or the end) arrives.
    private static void Decompose(ReadOnlySpan<char> text, bool compatibility, Buffers buffers)
    {
        var output = buffers.Decomposed;
        var parts = buffers.Parts;
        var pending = 0;
        for (var i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text[i..], out var rune, out var units);
            i += units;
            parts.Clear();
            UnicodeData.Decompose(rune.Value, compatibility, parts);
            for (var k = 0; k < parts.Count; k++)
            {
                var cls = UnicodeData.CombiningClass(parts[k]);
                if (cls == 0)
                {
                    SortByClass(output, pending);
                    pending = output.Count;
                }
                output.Add((parts[k], k == 0 ? 0 : 1, cls));
            }
        }
        SortByClass(output, pending);
    }

    // Stable insertion sort of output[from..] by class (runs are a few marks long).
    private static void SortByClass(List<(int Cp, int Change, int Class)> output, int from)
    {
        for (var i = from + 1; i < output.Count; i++)
        {
            var item = output[i];
            var j = i - 1;
            while (j >= from && output[j].Class > item.Class)
            {
                output[j + 1] = output[j];
                j--;
            }
            output[j + 1] = item;
        }
    }

    // The crate's Recompositions state machine, change arithmetic included: a composite takes its first part's
    // change plus the second's less one.
    private static void Compose(List<(int Cp, int Change, int Class)> input, List<(int Cp, int Change, int Class)> output, List<(int Cp, int Change, int Class)> blocked)
    {
        blocked.Clear();
        (int Cp, int Change, int Class)? composee = null;
        var lastClass = -1;
        foreach (var item in input)
        {
            var (cp, change, cls) = item;
            if (composee is not { } k)
            {
                if (cls != 0) output.Add(item);
                else composee = item;
                continue;
            }
            if (lastClass < 0)
            {
                var composite = UnicodeData.Compose(k.Cp, cp);
                if (composite >= 0)
                {
                    composee = (composite, k.Change + change - 1, 0);
                    continue;
                }
                if (cls == 0)
                {
                    output.Add(k);
                    composee = item;
                    continue;
                }
                blocked.Add(item);
                lastClass = cls;
                continue;
            }
            if (lastClass >= cls)
            {
                if (cls == 0)
                {
                    // Blocked by a starter: the composee and the marks held back go out, the starter composes next.
                    output.Add(k);
                    output.AddRange(blocked);
                    blocked.Clear();
                    composee = item;
                    lastClass = -1;
                    continue;
                }
                blocked.Add(item);
                lastClass = cls;
                continue;
            }
            var next = UnicodeData.Compose(k.Cp, cp);
            if (next >= 0)
            {
                composee = (next, k.Change + change - 1, 0);
                continue;
            }
            blocked.Add(item);
            lastClass = cls;
        }
        if (composee is { } last) output.Add(last);
        output.AddRange(blocked);
    }

    private sealed class Buffers
    {
        public List<(int Cp, int Change, int Class)> Decomposed { get; } = [];
        public List<(int Cp, int Change, int Class)> Composed { get; } = [];
        public List<(int Cp, int Change, int Class)> Blocked { get; } = [];
        public List<int> Parts { get; } = [];
    }
}
