using Bert.Gpu.Backends;
using Bert.Gpu.Model;

namespace Bert.Gpu.DeviceCheck;

/// <summary>Everything one run checks and times.</summary>
/// <param name="Name"><c>real</c> or <c>small</c>.</param>
/// <param name="Models">Random-weight encoders: checked whole and timed whole.</param>
/// <param name="CheckLengths">Sequence lengths of the batch the encoders, embeddings and layers are checked on: ragged on purpose.</param>
/// <param name="ExtraLinearChecks">Linear layers checked besides each model's four (odd edges, a large row count).</param>
/// <param name="ExtraAttentionChecks">Attention checked besides each model's heads at <see cref="CheckLengths"/>.</param>
/// <param name="OddLayerNormWidth">A row width that is no power of two, checked besides the models' hidden sizes.</param>
/// <param name="TimingSequences">Sequences in the timed batch.</param>
/// <param name="TimingLength">Tokens in each timed sequence.</param>
/// <param name="OpTiming">How GEMMs and attention are timed.</param>
/// <param name="EncoderTiming">How whole encoders are timed.</param>
/// <param name="Fp16Encoders">Encoders timed in fp16 only, at a batch of their own (the MiniLM b512 target).</param>
internal sealed record ShapeSet(
    string Name,
    IReadOnlyList<ModelShape> Models,
    int[] CheckLengths,
    IReadOnlyList<LinearShape> ExtraLinearChecks,
    IReadOnlyList<AttentionShape> ExtraAttentionChecks,
    int OddLayerNormWidth,
    int TimingSequences,
    int TimingLength,
    TimingPlan OpTiming,
    TimingPlan EncoderTiming,
    IReadOnlyList<EncoderBatch> Fp16Encoders)
{
    private static readonly ModelShape BertBase = new("bert-base", new BertConfig(30522, 768, 12, 12, 3072, 512, 2, 1e-12f), Seed: 11);
    private static readonly ModelShape MiniLm = new("minilm-l6", new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12f), Seed: 12);
    // 2 heads of 32: fp16 encoders run the flash attention kernel (head dims 32, 64); MiniLM-small's 4 heads of 12 the
    // fp32 attention an fp16 encoder falls back to.
    private static readonly ModelShape BertBaseSmall = new("bert-base-small", new BertConfig(100, 64, 2, 2, 128, 64, 2, 1e-12f), Seed: 11);
    private static readonly ModelShape MiniLmSmall = new("minilm-l6-small", new BertConfig(100, 48, 1, 4, 96, 64, 2, 1e-12f), Seed: 12);

    /// <summary>Rows of the per-layer checks: enough for several row blocks of every tiling.</summary>
    public int CheckRows => CheckLengths.Sum();

    public int TimingTokens => TimingSequences * TimingLength;

    /// <summary>
    /// BERT-base and MiniLM-L6 at their real sizes (full 30522-token vocabularies, 512 positions); checks on a ragged
    /// batch holding one 512-token sequence; timings at batch 128 × 128 tokens, as the torch baseline runs.
    /// </summary>
    public static ShapeSet Real { get; } = new(
        "real",
        [BertBase, MiniLm],
        CheckLengths: [128, 77, 1, 512, 33, 128, 17, 128],
        ExtraLinearChecks:
        [
            new("odd edges", 37, 53, 29, Activation.Gelu, true),
            new("16k rows (grid size)", 16384, 768, 768, Activation.None, true),
        ],
        ExtraAttentionChecks: [new("bert-base 128x128 (the timed batch)", Enumerable.Repeat(128, 128).ToArray(), 12, 64)],
        OddLayerNormWidth: 1000,
        TimingSequences: 128,
        TimingLength: 128,
        OpTiming: new(Warmups: 3, Samples: 7, LaunchesPerSample: 5),
        EncoderTiming: new(Warmups: 1, Samples: 5, LaunchesPerSample: 1),
        // 512 × 128 = 65,536 tokens: 1.47 TFLOP a forward pass, 6 passes ≈ 0.09 s at 100 TFLOP/s; 1.4 GB of workspace.
        Fp16Encoders: [new("minilm-l6 b512", MiniLm, 512, 128)]);

    /// <summary>
    /// The same checks at toy sizes (the heads, layers and shapes are smaller, the code paths the same), for the CPU
    /// emulator and PoCL, which run a GPU kernel thousands of times slower than a GPU.
    /// </summary>
    public static ShapeSet Small { get; } = new(
        "small",
        [BertBaseSmall, MiniLmSmall],
        CheckLengths: [7, 1, 33, 2],
        ExtraLinearChecks: [new("odd edges", 37, 53, 29, Activation.Gelu, true)],
        ExtraAttentionChecks: [new("two key tiles", [40, 9], 2, 16), new("head dim 64", [40, 9], 1, 64)],
        OddLayerNormWidth: 37,
        TimingSequences: 2,
        TimingLength: 16,
        OpTiming: new(Warmups: 1, Samples: 3, LaunchesPerSample: 1),
        EncoderTiming: new(Warmups: 1, Samples: 1, LaunchesPerSample: 1),
        // Exercises the b512 timing's code at 4 × 16 tokens; torch_baseline.py times no small fp16 encoder.
        Fp16Encoders: [new("minilm-l6-small b4", MiniLmSmall, 4, 16)]);
}
