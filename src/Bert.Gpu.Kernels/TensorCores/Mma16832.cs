using ILGPU;

namespace Bert.Gpu.Kernels.TensorCores;

/// <summary>
/// <c>mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32</c>: which elements each lane holds (PTX ISA, "Matrix fragments
/// for mma.m16n8k32" with <c>.s8</c>), and a managed twin. With g = lane / 4 and t = lane % 4: A (16×32, row-major)
/// a0…a15 in four <c>.b32</c> registers of four bytes (element 4r + j in byte j of register r) — row g for
/// i ∈ {0–3, 8–11} and g + 8 otherwise, column 4t + (i &amp; 3), plus 16 for i ≥ 8; B (32×8, k × n) b0…b7 in two
/// registers — row (k) 4t + (i &amp; 3), plus 16 for i ≥ 4, column g; C/D (16×8, s32) as <see cref="Mma16816"/>'s.
/// These are exactly the registers <c>ldmatrix</c> leaves from 8×8 b16 matrices of int8 pairs, as for fp16.
/// </summary>
public static class Mma16832
{
    /// <summary>Ints of warp scratch <see cref="Emulate"/> needs: A (16×32) then B (32×8).</summary>
    public const int ScratchInts = 16 * 32 + 32 * 8;

    /// <summary>Row of A element <paramref name="i"/> (0–15) held by <paramref name="lane"/>.</summary>
    public static int ARow(int lane, int i) => (lane >> 2) + 8 * ((i >> 2) & 1);

    /// <summary>Column (k) of A element <paramref name="i"/> (0–15) held by <paramref name="lane"/>.</summary>
    public static int ACol(int lane, int i) => 4 * (lane & 3) + (i & 3) + 16 * (i >> 3);

    /// <summary>Row (k) of B element <paramref name="i"/> (0–7) held by <paramref name="lane"/>.</summary>
    public static int BRow(int lane, int i) => 4 * (lane & 3) + (i & 3) + 16 * (i >> 2);

    /// <summary>Column (n) of every B element held by <paramref name="lane"/>.</summary>
    public static int BCol(int lane) => lane >> 2;

    /// <summary>
    /// The instruction, emulated by the warp through <paramref name="scratch"/> (<see cref="ScratchInts"/> of this warp's
    /// own shared memory): every lane writes its sign-extended A and B bytes where the layout puts them, then sums the 32
    /// products of each of its C elements. Integer arithmetic is exact, so this is the hardware's result bit for bit.
    /// Contains two group barriers: every thread of the group must call it, uniformly.
    /// </summary>
    public static MmaIntAccumulator Emulate(ArrayView<int> scratch, int lane, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1, MmaIntAccumulator c)
    {
        StoreA(scratch, lane, 0, a0);
        StoreA(scratch, lane, 4, a1);
        StoreA(scratch, lane, 8, a2);
        StoreA(scratch, lane, 12, a3);
        StoreB(scratch, lane, 0, b0);
        StoreB(scratch, lane, 4, b1);
        Group.Barrier();
        var d = new MmaIntAccumulator
        {
            C0 = c.C0 + Dot(scratch, Mma16816.CRow(lane, 0), Mma16816.CCol(lane, 0)),
            C1 = c.C1 + Dot(scratch, Mma16816.CRow(lane, 1), Mma16816.CCol(lane, 1)),
            C2 = c.C2 + Dot(scratch, Mma16816.CRow(lane, 2), Mma16816.CCol(lane, 2)),
            C3 = c.C3 + Dot(scratch, Mma16816.CRow(lane, 3), Mma16816.CCol(lane, 3)),
        };
        Group.Barrier(); // the next call overwrites what slower lanes may still be reading
        return d;
    }

    /// <summary>Byte <paramref name="j"/> (0–3) of <paramref name="word"/>, sign-extended.</summary>
    public static int Byte(uint word, int j) => (int)(word << (24 - 8 * j)) >> 24;

    private static void StoreA(ArrayView<int> scratch, int lane, int i, uint word)
    {
        for (var j = 0; j < 4; j++)
            scratch[ARow(lane, i + j) * 32 + ACol(lane, i + j)] = Byte(word, j);
    }

    private static void StoreB(ArrayView<int> scratch, int lane, int i, uint word)
    {
        for (var j = 0; j < 4; j++)
            scratch[512 + BRow(lane, i + j) * 8 + BCol(lane)] = Byte(word, j);
    }

    private static int Dot(ArrayView<int> scratch, int row, int col)
    {
        var sum = 0;
        for (var k = 0; k < 32; k++)
            sum += scratch[row * 32 + k] * scratch[512 + k * 8 + col];
        return sum;
    }
}

/// <summary>One lane's four int32 accumulators of an m16n8 C/D fragment (see <see cref="Mma16816"/> for which elements).</summary>
public struct MmaIntAccumulator
{
    /// <summary>Element c0: row g, column 2t.</summary>
    public int C0;

    /// <summary>Element c1: row g, column 2t + 1.</summary>
    public int C1;

    /// <summary>Element c2: row g + 8, column 2t.</summary>
    public int C2;

    /// <summary>Element c3: row g + 8, column 2t + 1.</summary>
    public int C3;
}
