using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Encoder;

/// <summary>
/// A backend's encoder against ONNX Runtime on the model's own model.onnx, fed the ids HuggingFace tokenizers
/// produced for held-out texts. Runs for the host backend on both built-in models and, for the ILGPU backend, in the
/// OpenCL lane and on CUDA (DeviceParityTests.cs); without its device a device variant is skipped, or fails under the
/// device's REQUIRE variable (<see cref="BuiltInModelFixture.Require"/>).
/// </summary>
/// <param name="maxLength">The model's max length by its model card (256 for MiniLM, 512 for arctic-xs).</param>
public abstract class OnnxRuntimeParityTests(BuiltInModelFixture fixture, int maxLength)
{
    private IComputeBackend Backend => fixture.Require();

    private const float HiddenTolerance = 1e-4f;

    private BertModel Model => fixture.Model;

    [SkippableFact]
    public void LastHiddenStateMatchesOnnxRuntimeOnAPackedBatch()
    {
        fixture.Require();
        var sequences = HeldOutTexts.Load(20, Model.MaxLength)
            .Select(t => t.Ids)
            .Concat([LongSequence(150), LongSequence(2)])
            .Select(ids => new TokenizedText(ids, new int[ids.Length]))
            .Concat(TruncatedAtMaxLength())
            .ToList();
        var expected = fixture.Oracle.LastHiddenState(sequences.Select(s => s.Ids).ToList(), sequences.Select(s => s.TypeIds).ToList());

        var actual = LastHiddenState(sequences);

        Assert.InRange(Reference.MaxAbsDiff(expected, actual), 0f, HiddenTolerance);
    }

    [SkippableFact]
    public void PairsWithTokenTypesMatchOnnxRuntime()
    {
        fixture.Require();
        var pairs = new[]
        {
            Model.Tokenizer.Encode("How do I reset my password?", "Open settings, choose Account, then Reset password.", 64),
            Model.Tokenizer.Encode("short", "a somewhat longer second segment of the pair", 16),
        };
        Assert.Contains(1, pairs[0].TypeIds);
        var expected = fixture.Oracle.LastHiddenState(pairs.Select(p => p.Ids).ToList(), pairs.Select(p => p.TypeIds).ToList());

        Assert.InRange(Reference.MaxAbsDiff(expected, LastHiddenState(pairs)), 0f, HiddenTolerance);
    }

    [SkippableFact]
    public void PackedBatchGivesTheSameRowsAsOneByOne()
    {
        fixture.Require();
        var sequences = HeldOutTexts.Load(12, Model.MaxLength)
            .Select(t => new TokenizedText(t.Ids, new int[t.Ids.Length])).ToList();
        var packed = LastHiddenState(sequences);
        var offset = 0;
        foreach (var s in sequences)
        {
            var alone = LastHiddenState([s]);
            Assert.InRange(Reference.MaxAbsDiff(alone, packed.AsSpan(offset, alone.Length)), 0f, 1e-6f);
            offset += alone.Length;
        }
    }

    [SkippableFact]
    public void EmbeddingsMatchHuggingFaceTokensOnnxRuntimeAndPooling()
    {
        fixture.Require();
        // Held-out texts, and long ones the embedder must truncate at the max length as HuggingFace does.
        var texts = HeldOutTexts.Load(40, Model.MaxLength).Concat(LongTexts.Load(maxLength)).ToList();
        var hidden = Model.Config.HiddenSize;
        var oracleRows = fixture.Oracle.LastHiddenState(texts.Select(t => t.Ids).ToList(), texts.Select(t => new int[t.Ids.Length]).ToList());

        using var embedder = new Embedder(Model, Backend);
        Assert.Equal(maxLength, Model.MaxLength);
        var lengths = embedder.Tokenize(texts.Select(t => t.Text).ToList()).Select(s => s.Ids.Length).ToArray();
        Assert.Equal(texts.Select(t => t.Ids.Length), lengths);
        Assert.True(lengths.Count(l => l == maxLength) >= 2, $"no text reached the max length {maxLength}: {string.Join(' ', lengths)}");
        var embeddings = embedder.Embed(texts.Select(t => t.Text).ToList());

        var offset = 0;
        for (var i = 0; i < texts.Count; i++)
        {
            var rows = oracleRows.AsSpan(offset * hidden, texts[i].Ids.Length * hidden);
            var expected = Reference.Pool(rows, hidden, Model.DefaultPooling);
            offset += texts[i].Ids.Length;
            var cosine = Reference.Cosine(expected, embeddings[i]);
            Assert.True(cosine >= 0.99999, $"row {i} ({texts[i].Text}): cosine {cosine}");
            Assert.Equal(1.0, Math.Sqrt(embeddings[i].Sum(v => (double)v * v)), 5);
        }
    }

    /// <summary>[CLS], then the word pieces of held-out texts one after another, then [SEP]: <paramref name="length"/> ids.</summary>
    private static int[] LongSequence(int length)
    {
        var pieces = HeldOutTexts.Load(200, 512).SelectMany(t => t.Ids[1..^1]).Take(length - 2);
        int[] ids = [101, .. pieces, 102];
        Assert.Equal(length, ids.Length);
        return ids;
    }

    /// <summary>
    /// The fixture's long texts through the model's own tokenizer at its max length: each exactly
    /// <c>maxLength</c> ids (every position embedding in use) and the very ids HuggingFace truncated them to.
    /// </summary>
    private List<TokenizedText> TruncatedAtMaxLength()
    {
        Assert.Equal(maxLength, Model.MaxLength);
        var texts = LongTexts.Load(maxLength);
        var sequences = texts.Select(t => Model.Tokenizer.Encode(t.Text, Model.MaxLength)).ToList();
        Assert.Equal(Enumerable.Repeat(maxLength, texts.Count), sequences.Select(s => s.Ids.Length));
        Assert.Equal(texts.Select(t => t.Ids), sequences.Select(s => s.Ids));
        return sequences;
    }

    private float[] LastHiddenState(IReadOnlyList<TokenizedText> sequences)
    {
        using var encoder = new BertEncoder(Model, Backend);
        var batch = new PackedBatch(sequences);
        var output = new float[batch.TotalTokens * Model.Config.HiddenSize];
        encoder.LastHiddenState(batch, output);
        return output;
    }
}

public sealed class MiniLmParityTests(MiniLmFixture fixture) : OnnxRuntimeParityTests(fixture, maxLength: 256), IClassFixture<MiniLmFixture>;

public sealed class ArcticXsParityTests(ArcticXsFixture fixture) : OnnxRuntimeParityTests(fixture, maxLength: 512), IClassFixture<ArcticXsFixture>;
