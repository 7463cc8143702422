namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>GPT-2's bytes-to-unicode map: every byte as a printable character, so byte-level vocabularies are text.</summary>
internal static class ByteLevelAlphabet
{
    /// <summary>The character standing for each byte value.</summary>
    public static readonly char[] CharOfByte = Build();

    // Printable Latin-1 bytes stand for themselves; the other 68 take U+0100 onwards in byte order.
    private static char[] Build()
    {
        var map = new char[256];
        var next = 0x100;
        for (var b = 0; b < 256; b++)
            map[b] = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF ? (char)b : (char)next++;
        return map;
    }
}
