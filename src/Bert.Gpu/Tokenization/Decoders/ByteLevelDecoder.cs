using System.Text;

namespace Bert.Gpu.Tokenization.Decoders;

/// <summary>
/// HF's ByteLevel decoder (GPT-2, RoBERTa): each character of a token stands for one byte (GPT-2's
/// <c>bytes_to_unicode</c>, <c>Ġ</c> a space); the bytes of all tokens are read as UTF-8, invalid sequences as U+FFFD.
/// A token with a character outside that alphabet (an added token such as <c>&lt;s&gt;</c> may have one) gives its
/// own UTF-8 bytes, as in HF.
/// </summary>
internal sealed class ByteLevelDecoder : TokenTextDecoder
{
    /// <summary>The one instance.</summary>
    public static ByteLevelDecoder Instance { get; } = new();

    private static readonly Dictionary<char, byte> Bytes = Alphabet();

    protected override string Decode(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            if (token.All(Bytes.ContainsKey)) bytes.AddRange(token.Select(c => Bytes[c]));
            else bytes.AddRange(Encoding.UTF8.GetBytes(token));
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>GPT-2's <c>bytes_to_unicode</c>, reversed: printable bytes stand for themselves, the others for 256 + n.</summary>
    private static Dictionary<char, byte> Alphabet()
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
