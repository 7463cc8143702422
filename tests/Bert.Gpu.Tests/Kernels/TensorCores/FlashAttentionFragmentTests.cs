using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Kernels.TensorCores;
using static Bert.Gpu.Kernels.Attention.FlashAttentionTiling;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The CUDA path's <c>ldmatrix</c> addressing, on the host: a model of the instruction (PTX ISA, "ldmatrix": lanes
/// 8m…8m + 7 address the eight 16-byte rows of matrix m; lane l receives row l/4, elements 2·(l%4) and 2·(l%4) + 1,
/// of each matrix, or of its transpose with .trans) fed the lane offsets the kernel uses and the immediates the
/// generated PTX uses must hand every lane exactly the B fragments the managed path reads by the
/// <see cref="Mma16816"/> layout. The CPU accelerator tests the managed path; this ties the PTX's addresses to it.
/// </summary>
[Trait("Category", "Kernels")]
public class FlashAttentionFragmentTests
{
    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void KeyRowsGiveQkTransposedItsBFragments(int headDim)
    {
        var row = RowHalves(headDim);
        for (var n = 0; n < Keys / 8; n++)
            for (var pair = 0; pair < headDim / 32; pair++)
                for (var lane = 0; lane < 32; lane++)
                    for (var register = 0; register < 4; register++)
                    {
                        // Registers 0, 1: b0b1 and b2b3 of k16 step 2·pair; 2, 3: of step 2·pair + 1. B(k = d, n = key) = K[key][d].
                        var k = 16 * (2 * pair + (register >> 1)) + Mma16816.BRow(lane, 2 * (register & 1));
                        var expected = ((8 * n + Mma16816.BCol(lane)) * row + k, (8 * n + Mma16816.BCol(lane)) * row + k + 1);
                        Assert.Equal(expected, Ldmatrix(lane, register, l => KeyLaneBytes(l, headDim) + FlashAttentionPtxGenerator.KeyBytes(headDim, n, pair), trans: false));
                    }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void ValueRowsTransposedGivePvItsBFragments(int headDim)
    {
        var row = RowHalves(headDim);
        var tile = TileBytes(headDim) / 2;
        for (var n = 0; n < headDim / 8; n++)
            for (var pair = 0; pair < Keys / 32; pair++)
                for (var lane = 0; lane < 32; lane++)
                    for (var register = 0; register < 4; register++)
                    {
                        // B(k = key, n = d) = V[key][d]: a register holds one dim of two adjacent keys.
                        var key = 16 * (2 * pair + (register >> 1)) + Mma16816.BRow(lane, 2 * (register & 1));
                        var column = 8 * n + Mma16816.BCol(lane);
                        var expected = (tile + key * row + column, tile + (key + 1) * row + column);
                        Assert.Equal(expected, Ldmatrix(lane, register, l => ValueLaneBytes(l, headDim) + FlashAttentionPtxGenerator.ValueBytes(headDim, n, pair), trans: true));
                    }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void EveryLdmatrixPhaseIsAlignedAndConflictFree(int headDim)
    {
        foreach (var offset in new Func<int, int>[] { l => KeyLaneBytes(l, headDim), l => ValueLaneBytes(l, headDim) })
            for (var matrix = 0; matrix < 4; matrix++)
            {
                var rows = Enumerable.Range(8 * matrix, 8).Select(offset).ToArray();
                Assert.All(rows, bytes => Assert.True(bytes % 16 == 0 && bytes + 16 <= StageBytes(headDim), $"row at byte {bytes}"));
                // Each 16-byte row covers 4 of the 32 four-byte banks; the phase's 8 rows must cover all 32 once.
                Assert.Equal(32, rows.SelectMany(bytes => Enumerable.Range(bytes / 4, 4).Select(word => word % 32)).Distinct().Count());
            }
        Assert.True(2 * StageBytes(headDim) <= SharedBytes);
    }

    /// <summary>Which halves (by index into the stage) register <paramref name="matrix"/> of <paramref name="lane"/> receives: (element 0, element 1).</summary>
    private static (int, int) Ldmatrix(int lane, int matrix, Func<int, int> rowBytes, bool trans)
    {
        int Row(int r) => rowBytes(8 * matrix + r) / 2;
        int g = lane >> 2, t = lane & 3;
        return trans ? (Row(2 * t) + g, Row(2 * t + 1) + g) : (Row(g) + 2 * t, Row(g) + 2 * t + 1);
    }
}
