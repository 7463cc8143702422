using Bert.Gpu.Tokenization.Decoders;
using Bert.Gpu.Tokenization.Models;
using Bert.Gpu.Tokenization.Normalizers;
using Bert.Gpu.Tokenization.PostProcessors;
using Bert.Gpu.Tokenization.PreTokenizers;

namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>The components read from a tokenizer.json, in the order HF runs them.</summary>
/// <param name="Added">The added tokens.</param>
/// <param name="Normalizer">The normalizer, or null.</param>
/// <param name="PreTokenizers">The pre-tokenizers, a Sequence flattened; empty for none.</param>
/// <param name="Model">The model.</param>
/// <param name="PostProcessor">The post-processor (<see cref="NoProcessing"/> for none).</param>
/// <param name="PadId">The padding id the file names (its <c>padding.pad_id</c>), if any.</param>
/// <param name="Decoder">The decoder, ids back to text.</param>
internal sealed record PipelineParts(
    AddedVocabulary Added, INormalizer? Normalizer, IReadOnlyList<IPreTokenizer> PreTokenizers, ITokenModel Model, IPostProcessor PostProcessor, int? PadId,
    TokenTextDecoder Decoder);
