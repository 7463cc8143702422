namespace Bert.Gpu.Tokenization;

/// <summary>Ids of the special tokens an encoder needs, null where the tokenizer has none.</summary>
/// <param name="Cls">The token that starts an encoding: [CLS] (BERT, ALBERT), &lt;s&gt; (RoBERTa's BOS).</param>
/// <param name="Sep">The token that ends each text: [SEP], &lt;/s&gt; (RoBERTa's EOS).</param>
/// <param name="Pad">The padding token: [PAD], &lt;pad&gt;.</param>
/// <param name="Mask">The masked-language-model token: [MASK], &lt;mask&gt;.</param>
/// <param name="Unk">The unknown token the model falls back to: [UNK], &lt;unk&gt;.</param>
public sealed record SpecialTokenIds(int? Cls, int? Sep, int? Pad, int? Mask, int? Unk);
