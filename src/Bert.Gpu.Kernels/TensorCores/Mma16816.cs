using ILGPU;

namespace Bert.Gpu.Kernels.TensorCores;

/// <summary>
/// <c>mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32</c>: which elements each lane of a warp holds (PTX ISA,
/// "Matrix fragments for mma.m16n8k16 with floating point type"), and a managed twin of the instruction for backends
/// without it. With g = lane / 4 and t = lane % 4:
/// A (16×16, row-major) a0…a7 in four <c>f16x2</c> registers — row g for i ∈ {0, 1, 4, 5} and g + 8 otherwise,
/// column 2t + (i &amp; 1), plus 8 for i ≥ 4; B (16×8, k × n) b0…b3 in two registers — row (k) 2t + (i &amp; 1), plus 8
/// for i ≥ 2, column g; C/D (16×8, f32) c0…c3 — row g, plus 8 for i ≥ 2, column 2t + (i &amp; 1). Register r holds
/// elements 2r (low half) and 2r + 1 (high half).
/// </summary>
public static class Mma16816
{
    /// <summary>Floats of warp scratch <see cref="Emulate"/> needs: A (16×16) then B (16×8).</summary>
    public const int ScratchFloats = 16 * 16 + 16 * 8;

    /// <summary>Row of A element <paramref name="i"/> (0–7) held by <paramref name="lane"/>.</summary>
    public static int ARow(int lane, int i) => (lane >> 2) + 8 * ((i >> 1) & 1);

    /// <summary>Column (k) of A element <paramref name="i"/> (0–7) held by <paramref name="lane"/>.</summary>
    public static int ACol(int lane, int i) => 2 * (lane & 3) + (i & 1) + 8 * (i >> 2);

    /// <summary>Row (k) of B element <paramref name="i"/> (0–3) held by <paramref name="lane"/>.</summary>
    public static int BRow(int lane, int i) => 2 * (lane & 3) + (i & 1) + 8 * (i >> 1);

    /// <summary>Column (n) of every B element held by <paramref name="lane"/>.</summary>
    public static int BCol(int lane) => lane >> 2;

    /// <summary>Row of C/D element <paramref name="i"/> (0–3) held by <paramref name="lane"/>.</summary>
    public static int CRow(int lane, int i) => (lane >> 2) + 8 * (i >> 1);

    /// <summary>Column of C/D element <paramref name="i"/> (0–3) held by <paramref name="lane"/>.</summary>
    public static int CCol(int lane, int i) => 2 * (lane & 3) + (i & 1);

    /// <summary>
    /// The instruction, emulated by the warp through <paramref name="scratch"/> (<see cref="ScratchFloats"/> of this
    /// warp's own shared memory): every lane writes its A and B elements where the fragment layout puts them, then
    /// reads back the rows and columns of its C elements and accumulates the 16 products in fp32, k ascending.
    /// Products of fp16 values are exact in fp32, so only the summation order can differ from the hardware's (which
    /// PTX leaves unspecified). Contains two group barriers: every thread of the group must call it, uniformly.
    /// </summary>
    public static MmaAccumulator Emulate(ArrayView<float> scratch, int lane, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1, MmaAccumulator c)
    {
        StoreA(scratch, lane, 0, a0);
        StoreA(scratch, lane, 2, a1);
        StoreA(scratch, lane, 4, a2);
        StoreA(scratch, lane, 6, a3);
        StoreB(scratch, lane, 0, b0);
        StoreB(scratch, lane, 2, b1);
        Group.Barrier();
        var d = new MmaAccumulator
        {
            C0 = c.C0 + Dot(scratch, CRow(lane, 0), CCol(lane, 0)),
            C1 = c.C1 + Dot(scratch, CRow(lane, 1), CCol(lane, 1)),
            C2 = c.C2 + Dot(scratch, CRow(lane, 2), CCol(lane, 2)),
            C3 = c.C3 + Dot(scratch, CRow(lane, 3), CCol(lane, 3)),
        };
        Group.Barrier(); // the next call overwrites what slower lanes may still be reading
        return d;
    }

    private static void StoreA(ArrayView<float> scratch, int lane, int i, uint pair)
    {
        scratch[ARow(lane, i) * 16 + ACol(lane, i)] = HalfBits.Low(pair);
        scratch[ARow(lane, i + 1) * 16 + ACol(lane, i + 1)] = HalfBits.High(pair);
    }

    private static void StoreB(ArrayView<float> scratch, int lane, int i, uint pair)
    {
        scratch[256 + BRow(lane, i) * 8 + BCol(lane)] = HalfBits.Low(pair);
        scratch[256 + BRow(lane, i + 1) * 8 + BCol(lane)] = HalfBits.High(pair);
    }

    private static float Dot(ArrayView<float> scratch, int row, int col)
    {
        var sum = 0f;
        for (var k = 0; k < 16; k++)
            sum += scratch[row * 16 + k] * scratch[256 + k * 8 + col];
        return sum;
    }
}

/// <summary>One lane's four fp32 accumulators of an m16n8 C/D fragment (see <see cref="Mma16816"/> for which elements).</summary>
public struct MmaAccumulator
{
    /// <summary>Element c0: row g, column 2t.</summary>
    public float C0;

    /// <summary>Element c1: row g, column 2t + 1.</summary>
    public float C1;

    /// <summary>Element c2: row g + 8, column 2t.</summary>
    public float C2;

    /// <summary>Element c3: row g + 8, column 2t + 1.</summary>
    public float C3;
}
