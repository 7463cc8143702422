namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>What the GPT-2 pattern's classes say of a code point, as HF's Oniguruma build classifies it.</summary>
internal enum OnigCharClass : byte
{
    /// <summary>None of the others: <c>[^\s\p{L}\p{N}]</c>.</summary>
    Other,

    /// <summary><c>\p{L}</c>.</summary>
    Letter,

    /// <summary><c>\p{N}</c>.</summary>
    Number,

    /// <summary><c>\s</c>.</summary>
    Space,
}
