namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>One entry of tokenizer.json's <c>added_tokens</c>, with the id HF gives it.</summary>
/// <param name="Content">The token's text.</param>
/// <param name="Id">Its id: the model vocabulary's id of <paramref name="Content"/> if it has one, else the next free id.</param>
/// <param name="SingleWord">Only matched where neither neighbour is a word character.</param>
/// <param name="LStrip">The match also takes the whitespace before it.</param>
/// <param name="RStrip">The match also takes the whitespace after it.</param>
/// <param name="Normalized">Matched in the normalized text (its normalized form) rather than in the raw text.</param>
/// <param name="Special">A special token (only decoding treats these differently).</param>
internal sealed record AddedToken(string Content, int Id, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special);
