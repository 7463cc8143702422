using Bert.Gpu.Kernels.TensorCores;
using Bert.Gpu.Tests.Support;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// A tensor-core attention test case: packed sequences, fp16 inputs, and the double-precision softmax(q·kᵀ/√d)·v of
/// those very halves. <see cref="Make(int)"/>'s tiny one, 2 heads over lengths 1, 7, 37 and 70, has a lone key, blocks
/// mostly masked, one partial 64-key block, and two query blocks times two key blocks (the online rescaling).
/// </summary>
internal sealed record FlashAttentionCase(int HeadDim, int Heads, int[] Lengths, int[] Starts, ushort[] Qkv, double[] Expected)
{

    /// <summary>Inputs in [−1.5, 1.5]: scores up to ~±10 (peaked rows), outputs |o| ≤ 1.5 (convex combinations of v).</summary>
    private const float InputScale = 1.5f;

    /// <summary>
    /// Max error, from the two fp16 roundings the kernel adds to exact inputs: each probability rounded to fp16 before
    /// P·V (relative 2⁻¹¹, while the row sum keeps fp32) moves o = Σpv/Σp by at most 2⁻¹¹·max|v|; the fp16 output
    /// adds half an ulp, 2⁻¹¹ for |o| in [1, 2). fp32 accumulation and exp (2⁻²² relative per term here) add ~10⁻⁵.
    /// </summary>
    public const double Tolerance = InputScale / 2048 + 1.0 / 2048 + 1e-5;

    public int Tokens => Starts[^1];

    public int Hidden => Heads * HeadDim;

    public static FlashAttentionCase Make(int headDim) => Make(headDim, 2, [1, 7, 37, 70]);

    public static FlashAttentionCase Make(int headDim, int heads, int[] lengths)
    {
        var starts = new int[lengths.Length + 1];
        for (var s = 0; s < lengths.Length; s++)
            starts[s + 1] = starts[s] + lengths[s];
        var bits = Reference.RandomVector(new Random(headDim), starts[^1] * 3 * heads * headDim, InputScale).Select(v => (ushort)HalfBits.FromFloat(v)).ToArray();
        var expected = Reference.Attention(bits.Select(b => HalfBits.ToFloat(b)).ToArray(), starts, heads, headDim);
        return new FlashAttentionCase(headDim, heads, lengths, starts, bits, expected.Select(v => (double)v).ToArray());
    }

    /// <summary>Asserts <paramref name="context"/> (fp16) is within <see cref="Tolerance"/> everywhere, and typically far closer.</summary>
    public void Check(ushort[] context, ITestOutputHelper output)
    {
        var errors = context.Select((b, i) => Math.Abs(HalfBits.ToFloat(b) - Expected[i])).ToArray();
        output.WriteLine($"head dim {HeadDim}: max error {errors.Max():G3}, mean {errors.Average():G3}, bound {Tolerance:G3}");
        Assert.True(errors.Max() <= Tolerance, $"max error {errors.Max():G3} > {Tolerance:G3} at element {Array.IndexOf(errors, errors.Max())}");
        // Typical errors are a fraction of the bound; a kernel off by one key would sit far above this.
        Assert.True(errors.Average() <= Tolerance / 4, $"mean error {errors.Average():G3}");
    }
}
