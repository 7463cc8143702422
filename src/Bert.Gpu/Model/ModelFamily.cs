namespace Bert.Gpu.Model;

/// <summary>
/// The encoder families a HuggingFace <c>model_type</c> names: all post-LayerNorm transformers with BERT's layer, told
/// apart by their tensor names, embeddings and position numbering (<c>Families/</c> holds each one's rules).
/// </summary>
public enum ModelFamily
{
    /// <summary><c>bert</c>: BERT, MiniLM, BGE, E5, arctic-embed, BioBERT, SciBERT, mBERT…</summary>
    Bert,

    /// <summary><c>distilbert</c>: no token types; its own tensor and config names.</summary>
    DistilBert,

    /// <summary><c>roberta</c>, <c>xlm-roberta</c>, <c>camembert</c>: positions counted from <c>pad_token_id + 1</c>.</summary>
    Roberta,

    /// <summary><c>albert</c>: factorized embeddings, then a projection; layer weights shared across depth.</summary>
    Albert,

    /// <summary><c>electra</c> (the discriminator / encoder): embeddings projected when <c>embedding_size ≠ hidden_size</c>.</summary>
    Electra,
}
