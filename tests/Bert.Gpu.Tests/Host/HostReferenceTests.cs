using Bert.Gpu.Backends.Host;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Kernels;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Host;

/// <summary>
/// The host backend is the oracle DeviceCheck and the device tests hold every device to, so it is itself held to the
/// naive double-precision references at BERT's head dim 64 (the devices' case; the other host tests use 16 or less;
/// attention also at 24 and 40, whole 16-column blocks with a tail) and with 1, 2 and 3 threads (the work splits differ: 3 threads leave an odd share).
/// </summary>
public class HostReferenceTests(ITestOutputHelper output)
{
    /// <summary>Hidden 128 as 2 heads of 64, two layers, FFN 256, random weights at trained scales.</summary>
    private static readonly BertConfig HeadDim64 = new(VocabSize: 50, HiddenSize: 128, NumLayers: 2, NumHeads: 2,
        IntermediateSize: 256, MaxPositionEmbeddings: 160, TypeVocabSize: 2, LayerNormEps: 1e-12f);

    /// <summary>One key, a SIMD width, a vector tail (77 = 9 × 8 + 5) and a length past the 128-key mark.</summary>
    private static readonly int[] Lengths = [1, 8, 77, 130];

    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 64)]
    [InlineData(3, 64)]
    [InlineData(2, 24)] // one 16-column output block and an 8-column scalar tail
    [InlineData(1, 40)] // two blocks and a tail
    public void AttentionMatchesTheNaiveReference(int threads, int headDim)
    {
        const int heads = 3;
        var batch = new PackedBatch(Lengths.Select(n => new TokenizedText(new int[n], new int[n])).ToList());
        // Scale 2 gives logits up to ~±5 with a spread of ~3: softmax rows neither flat nor one-hot.
        var qkv = Reference.RandomVector(new Random(64), batch.TotalTokens * 3 * heads * headDim, 2f);
        var expected = Reference.Attention(qkv, batch.SeqStarts, heads, headDim);

        using var host = new HostBackend(threads);
        using var deviceBatch = batch.Upload(host);
        using var input = host.Upload(qkv);
        using var context = host.Allocate(expected.Length);
        host.Attention(deviceBatch, input, heads, headDim, context);
        var actual = new float[expected.Length];
        host.Download(context, actual);

        var difference = Reference.MaxAbsDiff(expected, actual);
        output.WriteLine($"{threads} thread(s), head dim {headDim}: max |Δ| = {difference:g3}");
        Assert.True(difference <= 1e-5f, $"max |Δ| = {difference}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EncoderAtHeadDim64MatchesTheNaiveReference(int threads)
    {
        var (model, batch) = Inputs();
        var expected = ReferenceEncoder.LastHiddenState(model, batch);
        var difference = Reference.MaxAbsDiff(expected, LastHiddenState(model, batch, threads));
        output.WriteLine($"{threads} thread(s): max |Δ| = {difference:g3}");
        // A tenth of the device tolerance (1e-4): the reference must be well inside what it allows the devices.
        Assert.True(difference <= 1e-5f, $"max |Δ| = {difference}");
    }

    [Fact]
    public void EncoderGivesTheSameBitsWithAnyThreadCount()
    {
        var (model, batch) = Inputs();
        var one = LastHiddenState(model, batch, 1);
        Assert.Equal(one, LastHiddenState(model, batch, 2));
        Assert.Equal(one, LastHiddenState(model, batch, 3));
    }

    private static (BertModel Model, PackedBatch Batch) Inputs() =>
        (TinyBert.Create(64, HeadDim64), new PackedBatch(TinyBert.Sequences(new Random(64), Lengths)));

    private static float[] LastHiddenState(BertModel model, PackedBatch batch, int threads)
    {
        using var host = new HostBackend(threads);
        using var encoder = new BertEncoder(model, host);
        var output = new float[batch.TotalTokens * model.Config.HiddenSize];
        encoder.LastHiddenState(batch, output);
        return output;
    }
}
