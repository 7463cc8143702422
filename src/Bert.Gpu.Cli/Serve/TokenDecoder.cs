using System.Text;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// /decode: ids back to text as HuggingFace's decoders do for the vocabularies here — WordPiece (<c>##</c> joins a
/// word, then <c>clean_up_tokenization_spaces</c>), SentencePiece (<c>▁</c> starts a word) and GPT-2's byte-level BPE
/// (each character stands for one byte; <c>Ġ</c> is a space), told apart by the vocabulary.
/// </summary>
internal sealed class TokenDecoder(ITokenizer tokenizer)
{
    private readonly Dictionary<char, byte>? _bytes = tokenizer.TokenToId("Ġthe") is null ? null : ByteLevelAlphabet();

    /// <exception cref="ApiError">422: an id outside the vocabulary.</exception>
    public string Decode(int[] ids, bool skipSpecial, int index)
    {
        var specials = tokenizer.SpecialIds;
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            if (id >= tokenizer.VocabSize)
                throw ApiError.Tokenizer($"`ids[{index}]`: token id {id} is outside the vocabulary of {tokenizer.VocabSize}.");
            if (skipSpecial && (id == specials.Cls || id == specials.Sep || id == specials.Pad || id == specials.Mask || id == specials.Unk))
                continue;
            tokens.Add(tokenizer.IdToToken(id));
        }
        if (_bytes is { } alphabet)
            return Encoding.UTF8.GetString([.. tokens.SelectMany(t => t.Select(c => alphabet.TryGetValue(c, out var b) ? b : (byte)'?'))]);
        if (tokens.Any(t => t.StartsWith('▁')))
            return string.Concat(tokens).Replace('▁', ' ').Trim();
        var text = new StringBuilder();
        foreach (var token in tokens)
        {
            if (token.StartsWith("##", StringComparison.Ordinal))
                text.Append(token.AsSpan(2));
            else
                text.Append(text.Length > 0 ? " " : "").Append(token);
        }
        return text.Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
            .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re").ToString();
    }

    /// <summary>GPT-2's <c>bytes_to_unicode</c>, reversed: printable bytes stand for themselves, the others for 256 + n.</summary>
    private static Dictionary<char, byte> ByteLevelAlphabet()
    {
        var map = new Dictionary<char, byte>();
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= 33 and <= 126 or >= 161 and <= 172 or >= 174;
            map[(char)(printable ? b : next++)] = (byte)b;
        }
        return map;
    }
}
