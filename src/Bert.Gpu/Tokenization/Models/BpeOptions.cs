namespace Bert.Gpu.Tokenization.Models;

/// <summary>The settings of HF's BPE model (tokenizer.json's <c>model</c> object besides vocab and merges).</summary>
/// <param name="UnkToken">The token for a character the vocabulary lacks; null drops such characters, as HF does.</param>
/// <param name="ContinuingSubwordPrefix">Prefix of every piece but a word's first ("##"); null or empty for none.</param>
/// <param name="EndOfWordSuffix">Suffix of a word's last piece ("&lt;/w&gt;"); null or empty for none.</param>
/// <param name="FuseUnk">Consecutive unknown characters become one unknown token.</param>
/// <param name="ByteFallback">A character the vocabulary lacks becomes its UTF-8 bytes' <c>&lt;0xNN&gt;</c> tokens when all exist.</param>
/// <param name="IgnoreMerges">A word that is itself in the vocabulary is one token, whatever the merges say.</param>
internal sealed record BpeOptions(string? UnkToken, string? ContinuingSubwordPrefix, string? EndOfWordSuffix, bool FuseUnk, bool ByteFallback, bool IgnoreMerges);
