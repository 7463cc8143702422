using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// /decode: ids back to text exactly as HuggingFace tokenizers' <c>decode</c> (which TEI calls) gives it, with the
/// decoder the model's tokenizer.json names (WordPiece, Metaspace, ByteLevel, or none) and skip_special_tokens dropping
/// every added token marked special; checked against HF on tests/data/tokenizer/decodes.jsonl.
/// </summary>
internal sealed class TokenDecoder(ITokenizer tokenizer)
{
    /// <summary>The text of <paramref name="ids"/>, the <paramref name="index"/>-th list of the request.</summary>
    /// <exception cref="ApiError">422: an id outside the vocabulary, or a decoder this server cannot run.</exception>
    public string Decode(int[] ids, bool skipSpecial, int index)
    {
        foreach (var id in ids)
        {
            // HF silently drops such ids; saying so is kinder to a client that sent ids of another model.
            if (id >= tokenizer.VocabSize)
                throw ApiError.Tokenizer($"`ids[{index}]`: token id {id} is outside the vocabulary of {tokenizer.VocabSize}.");
        }
        try
        {
            return tokenizer.Decode(ids, skipSpecial);
        }
        catch (ArgumentOutOfRangeException)
        {
            // An id in a gap of a tokenizer.json's vocabulary: below VocabSize, yet no token has it.
            throw ApiError.Tokenizer($"`ids[{index}]` holds an id no token of this vocabulary has; send ids this model's tokenizer gave.");
        }
        catch (NotSupportedException e)
        {
            throw ApiError.Tokenizer(e.Message);
        }
    }
}
