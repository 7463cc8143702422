using Bert.Gpu.Tokenization.Pipeline;

namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>One of HF's pre-tokenizers: cuts a text split into the words the model sees, possibly rewriting them.</summary>
/// <remarks>
/// A Sequence pre-tokenizer is flattened into its members when the file is read, since HF runs each member over the
/// whole pre-tokenized string in turn, which is the same as running them one after another here.
/// </remarks>
internal interface IPreTokenizer
{
    /// <summary>Appends the splits <paramref name="split"/> of <paramref name="source"/> becomes to <paramref name="destination"/>.</summary>
    void Split(SplitText source, Split split, SplitText destination);
}
