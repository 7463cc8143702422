namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>Unpaired UTF-16 surrogates, which HF never sees: its bindings hand it UTF-8, where each became U+FFFD.</summary>
internal static class LoneSurrogates
{
    /// <summary><paramref name="text"/> with every unpaired surrogate replaced by U+FFFD (one code unit for one, so offsets stay put).</summary>
    public static string Replace(string text)
    {
        var first = text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF');
        if (first < 0 || !HasLone(text, first)) return text;
        return string.Create(text.Length, text, static (chars, source) =>
        {
            source.CopyTo(chars);
            for (var i = 0; i < chars.Length; i++)
            {
                if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1])) i++;
                else if (char.IsSurrogate(chars[i])) chars[i] = '\uFFFD';
            }
        });
    }

    private static bool HasLone(string text, int from)
    {
        for (var i = from; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(text[i])) return true;
        }
        return false;
    }
}
