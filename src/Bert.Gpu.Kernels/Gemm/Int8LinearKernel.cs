using Bert.Gpu.Kernels.Math;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// <c>Y = act(acc · xScale[r] · wScale[c] + b[c]) (+ residual)</c> with <c>acc[r, c] = Σ_k xq[r, k]·wq[c, k]</c> exact in
/// int32: int8 activations <c>[M, K]</c> (one scale per row, from <see cref="Quantization.QuantizeRowsKernel"/>) times
/// int8 weights <c>[N, K]</c> (PyTorch's Linear layout, one scale per output channel), both packed four to a word by
/// <see cref="Int8Packing"/> (K padded with zeros to a multiple of 4); bias, residual and Y fp32. Tiled like
/// <see cref="LinearKernel"/>: each group stages K-slices of packed words in shared memory and each thread accumulates a
/// 4×4 register tile, four int8 products per word — <c>dp4a</c> on CUDA, the same sum unpacked elsewhere. Integer
/// arithmetic is exact, so every accelerator gives the same accumulators bit for bit.
/// </summary>
public sealed class Int8LinearKernel
{
    /// <summary>
    /// Largest K whose accumulators cannot overflow: |acc| ≤ K·128² (weights from another quantizer may hold −128), and
    /// 131,071·16,384 &lt; 2³¹ ≤ 131,072·16,384. BERT's largest K is 3,072 (the FFN down projection of BERT-base).
    /// </summary>
    public const int MaxInFeatures = int.MaxValue / (128 * 128);

    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, ArrayView<float>, Int8LinearShape> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="tiling">
    /// Work split, with <see cref="GemmTiling.TileK"/> counted in packed words (4 int8 values each); null =
    /// <see cref="GemmTiling.For"/>: 64×64 blocks with 64-deep K slices on devices.
    /// </param>
    public Int8LinearKernel(Accelerator accelerator, GemmTiling? tiling = null)
    {
        Tiling = tiling ?? GemmTiling.For(accelerator);
        if (Tiling.ThreadsX <= 0 || Tiling.ThreadsY <= 0 || Tiling.TileK <= 0)
            throw new ArgumentOutOfRangeException(nameof(tiling), $"Tiling {Tiling} must be positive in every dimension.");
        if (Tiling.SharedFloats > GemmTiling.MaxSharedFloats)
            throw new ArgumentException($"Tiling {Tiling} needs {Tiling.SharedFloats} shared words; the kernel allocates {GemmTiling.MaxSharedFloats}.", nameof(tiling));
        KernelLimits.Check(accelerator, nameof(Int8LinearKernel), Tiling.Threads, GemmTiling.MaxSharedFloats);
        _kernel = accelerator.LoadKernel<ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, ArrayView<float>, Int8LinearShape>(Kernel);
    }

    /// <summary>The work split in use.</summary>
    public GemmTiling Tiling { get; }

    /// <summary>Queues <c>y = act(dequant(xq·wqᵀ) + bias) (+ residual)</c> on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="xq">Quantized input <c>[rows, Int8Packing.Words(inFeatures)]</c> words.</param>
    /// <param name="xScale">Each input row's scale, <c>[rows]</c>.</param>
    /// <param name="rows">M.</param>
    /// <param name="wq">Quantized weight <c>[outFeatures, Int8Packing.Words(inFeatures)]</c> words.</param>
    /// <param name="wScale">Each output channel's scale, <c>[outFeatures]</c>.</param>
    /// <param name="bias">Bias <c>[outFeatures]</c>.</param>
    /// <param name="outFeatures">N.</param>
    /// <param name="inFeatures">K, in int8 values (not words), at most <see cref="MaxInFeatures"/>.</param>
    /// <param name="activation">Applied after the bias: an <see cref="Activations"/> code.</param>
    /// <param name="residual">Added last, <c>[rows, outFeatures]</c>; null for none. May be <paramref name="y"/> itself.</param>
    /// <param name="y">Output <c>[rows, outFeatures]</c>.</param>
    public void Launch(AcceleratorStream stream, ArrayView<int> xq, ArrayView<float> xScale, int rows, ArrayView<int> wq,
        ArrayView<float> wScale, ArrayView<float> bias, int outFeatures, int inFeatures, int activation, ArrayView<float>? residual,
        ArrayView<float> y)
    {
        var words = CheckArguments(stream, xq, xScale, rows, wq, wScale, bias, outFeatures, inFeatures, residual, y);
        if (rows == 0)
            return;

        Activations.Check(activation);
        var t = Tiling;
        var config = new KernelConfig(
            new Index2D(KernelLimits.Groups(outFeatures, t.TileN), KernelLimits.Groups(rows, t.TileM)),
            new Index2D(t.ThreadsX, t.ThreadsY));
        // Without a residual the kernel never reads that argument; y stands in so that no view is null.
        var shape = new Int8LinearShape(rows, outFeatures, words, t.TileK, activation, residual is null ? 0 : 1);
        _kernel(stream, config, xq, xScale, wq, wScale, bias, residual ?? y, y, shape);
    }

    /// <summary>
    /// <see cref="Launch"/>'s argument checks, shared with <see cref="Int8TensorLinearKernel"/>: null stream, sizes out
    /// of range, views too short for their shapes. Returns K in packed words.
    /// </summary>
    internal static int CheckArguments(AcceleratorStream stream, ArrayView<int> xq, ArrayView<float> xScale, int rows, ArrayView<int> wq,
        ArrayView<float> wScale, ArrayView<float> bias, int outFeatures, int inFeatures, ArrayView<float>? residual, ArrayView<float> y)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inFeatures, MaxInFeatures);
        var words = Int8Packing.Words(inFeatures);
        var padded = $"words ({inFeatures} int8 padded to {4 * words})";
        Shapes.Require(xq, (long)rows * words, nameof(xq), $"[{rows}, {words}] {padded}");
        Shapes.Require(xScale, rows, nameof(xScale), $"[{rows}]");
        Shapes.Require(wq, (long)outFeatures * words, nameof(wq), $"[{outFeatures}, {words}] {padded}");
        Shapes.Require(wScale, outFeatures, nameof(wScale), $"[{outFeatures}]");
        Shapes.Require(bias, outFeatures, nameof(bias), $"[{outFeatures}]");
        Shapes.Require(y, (long)rows * outFeatures, nameof(y), $"[{rows}, {outFeatures}]");
        if (residual is { } r)
            Shapes.Require(r, (long)rows * outFeatures, nameof(residual), $"[{rows}, {outFeatures}]");
        return words;
    }

    /// <summary>The scalar arguments; <see cref="Words"/> is K in packed words and <see cref="TileK"/> counts words too.</summary>
    internal readonly record struct Int8LinearShape(int M, int N, int Words, int TileK, int Activation, int AddResidual);

    private static void Kernel(ArrayView<int> xq, ArrayView<float> xScale, ArrayView<int> wq, ArrayView<float> wScale,
        ArrayView<float> bias, ArrayView<float> residual, ArrayView<float> y, Int8LinearShape s)
    {
        int tx = Group.IdxX, ty = Group.IdxY, threadsX = Group.DimX, threadsY = Group.DimY;
        var tid = ty * threadsX + tx;
        var threads = threadsX * threadsY;
        var tileM = threadsY * GemmTiling.MicroTile;
        var tileN = threadsX * GemmTiling.MicroTile;
        var m0 = Grid.IdxY * tileM;
        var n0 = Grid.IdxX * tileN;
        var strideA = tileM + 1;
        var strideB = tileN + 1;
        var shared = SharedMemory.Allocate<int>(GemmTiling.MaxSharedFloats);
        var a = shared.SubView(0, s.TileK * strideA);
        var b = shared.SubView(s.TileK * strideA, s.TileK * strideB);

        // Thread (tx, ty) owns rows ty + i·threadsY and columns tx + j·threadsX, as in LinearKernel. On CUDA the 4×4
        // accumulators are named PTX registers (see DeclareAccumulators); elsewhere they are these locals.
        if (CudaAsm.IsSupported)
            CudaAsm.Emit(DeclareAccumulators);
        int c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        int c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (var k0 = 0; k0 < s.Words; k0 += s.TileK)
        {
            // Consecutive threads load consecutive words of one row (coalesced) and store them transposed, word-major;
            // words past K are zero, and so is every word of a row or column past the edge.
            for (var e = tid; e < tileM * s.TileK; e += threads)
            {
                var r = e / s.TileK;
                var kk = e - r * s.TileK;
                int gm = m0 + r, gk = k0 + kk;
                a[kk * strideA + r] = gm < s.M && gk < s.Words ? xq[gm * s.Words + gk] : 0;
            }
            for (var e = tid; e < tileN * s.TileK; e += threads)
            {
                var r = e / s.TileK;
                var kk = e - r * s.TileK;
                int gn = n0 + r, gk = k0 + kk;
                b[kk * strideB + r] = gn < s.N && gk < s.Words ? wq[gn * s.Words + gk] : 0;
            }
            Group.Barrier();
            for (var kk = 0; kk < s.TileK; kk++)
            {
                var ia = kk * strideA + ty;
                int a0 = a[ia], a1 = a[ia + threadsY], a2 = a[ia + 2 * threadsY], a3 = a[ia + 3 * threadsY];
                var ib = kk * strideB + tx;
                int b0 = b[ib], b1 = b[ib + threadsX], b2 = b[ib + 2 * threadsX], b3 = b[ib + 3 * threadsX];
                // The guard is a constant per backend (ILGPU 1.5.3 leaves `setp.ne 1, 1` in the PTX and ptxas drops the
                // portable branch): the CPU accelerator would throw on the asm, OpenCL would silently drop it.
                if (CudaAsm.IsSupported)
                {
                    CudaAsm.Emit(Dp4aTile, a0, a1, a2, a3, b0, b1, b2, b3);
                }
                else
                {
                    c00 = Dot4(a0, b0, c00); c01 = Dot4(a0, b1, c01); c02 = Dot4(a0, b2, c02); c03 = Dot4(a0, b3, c03);
                    c10 = Dot4(a1, b0, c10); c11 = Dot4(a1, b1, c11); c12 = Dot4(a1, b2, c12); c13 = Dot4(a1, b3, c13);
                    c20 = Dot4(a2, b0, c20); c21 = Dot4(a2, b1, c21); c22 = Dot4(a2, b2, c22); c23 = Dot4(a2, b3, c23);
                    c30 = Dot4(a3, b0, c30); c31 = Dot4(a3, b1, c31); c32 = Dot4(a3, b2, c32); c33 = Dot4(a3, b3, c33);
                }
            }
            // The next slice overwrites shared memory that slower threads may still be reading.
            Group.Barrier();
        }
        if (CudaAsm.IsSupported)
        {
            // Each out operand is a local ILGPU passes by address, whose stores ptxas keeps: fresh ones, read once per
            // thread after the loop (the 64-byte stack frame PtxasTests allows), so c00…c33 never touch memory.
            CudaAsm.Emit("mov.b32 %0, int8acc0;", out int r00); CudaAsm.Emit("mov.b32 %0, int8acc1;", out int r01);
            CudaAsm.Emit("mov.b32 %0, int8acc2;", out int r02); CudaAsm.Emit("mov.b32 %0, int8acc3;", out int r03);
            CudaAsm.Emit("mov.b32 %0, int8acc4;", out int r10); CudaAsm.Emit("mov.b32 %0, int8acc5;", out int r11);
            CudaAsm.Emit("mov.b32 %0, int8acc6;", out int r12); CudaAsm.Emit("mov.b32 %0, int8acc7;", out int r13);
            CudaAsm.Emit("mov.b32 %0, int8acc8;", out int r20); CudaAsm.Emit("mov.b32 %0, int8acc9;", out int r21);
            CudaAsm.Emit("mov.b32 %0, int8acc10;", out int r22); CudaAsm.Emit("mov.b32 %0, int8acc11;", out int r23);
            CudaAsm.Emit("mov.b32 %0, int8acc12;", out int r30); CudaAsm.Emit("mov.b32 %0, int8acc13;", out int r31);
            CudaAsm.Emit("mov.b32 %0, int8acc14;", out int r32); CudaAsm.Emit("mov.b32 %0, int8acc15;", out int r33);
            c00 = r00; c01 = r01; c02 = r02; c03 = r03; c10 = r10; c11 = r11; c12 = r12; c13 = r13;
            c20 = r20; c21 = r21; c22 = r22; c23 = r23; c30 = r30; c31 = r31; c32 = r32; c33 = r33;
        }

        int row0 = m0 + ty, col0 = n0 + tx;
        StoreRow(y, xScale, wScale, bias, residual, s, row0, col0, threadsX, c00, c01, c02, c03);
        StoreRow(y, xScale, wScale, bias, residual, s, row0 + threadsY, col0, threadsX, c10, c11, c12, c13);
        StoreRow(y, xScale, wScale, bias, residual, s, row0 + 2 * threadsY, col0, threadsX, c20, c21, c22, c23);
        StoreRow(y, xScale, wScale, bias, residual, s, row0 + 3 * threadsY, col0, threadsX, c30, c31, c32, c33);
    }

    /// <summary>
    /// Declares and zeroes the sixteen accumulators of a thread's 4×4 tile as named PTX registers, <c>int8acc{4i + j}</c>
    /// for row i, column j. An inline-asm <c>out</c> operand is a local ILGPU passes by address, and ptxas 11.8 keeps
    /// every store to it: one <c>dp4a</c> statement per product with <c>out</c> left 16 STL per k-step in the SASS
    /// (a 64-byte stack frame) — registers declared once and named in later statements avoid memory altogether
    /// (../shared/ILGPU-NOTES.md). Named registers are visible in the entry function only: all of this stays in Kernel.
    /// </summary>
    private const string DeclareAccumulators = ".reg .s32 int8acc<16>;\n\t"
        + "mov.b32 int8acc0, 0; mov.b32 int8acc1, 0; mov.b32 int8acc2, 0; mov.b32 int8acc3, 0;\n\t"
        + "mov.b32 int8acc4, 0; mov.b32 int8acc5, 0; mov.b32 int8acc6, 0; mov.b32 int8acc7, 0;\n\t"
        + "mov.b32 int8acc8, 0; mov.b32 int8acc9, 0; mov.b32 int8acc10, 0; mov.b32 int8acc11, 0;\n\t"
        + "mov.b32 int8acc12, 0; mov.b32 int8acc13, 0; mov.b32 int8acc14, 0; mov.b32 int8acc15, 0;";

    /// <summary>
    /// One k-step of the 4×4 tile: <c>int8acc{4i + j} += dot4(a_i, b_j)</c> with <c>%0…%3</c> the words of rows
    /// a0…a3 and <c>%4…%7</c> those of columns b0…b3. <c>dp4a.s32.s32 d, a, b, c</c> is <c>c + Σ_j a.byte_j·b.byte_j</c>
    /// over sign-extended bytes (PTX ISA 5.0, sm_61+), exactly <see cref="Dot4"/>.
    /// </summary>
    private const string Dp4aTile =
        "dp4a.s32.s32 int8acc0, %0, %4, int8acc0; dp4a.s32.s32 int8acc1, %0, %5, int8acc1;\n\t"
        + "dp4a.s32.s32 int8acc2, %0, %6, int8acc2; dp4a.s32.s32 int8acc3, %0, %7, int8acc3;\n\t"
        + "dp4a.s32.s32 int8acc4, %1, %4, int8acc4; dp4a.s32.s32 int8acc5, %1, %5, int8acc5;\n\t"
        + "dp4a.s32.s32 int8acc6, %1, %6, int8acc6; dp4a.s32.s32 int8acc7, %1, %7, int8acc7;\n\t"
        + "dp4a.s32.s32 int8acc8, %2, %4, int8acc8; dp4a.s32.s32 int8acc9, %2, %5, int8acc9;\n\t"
        + "dp4a.s32.s32 int8acc10, %2, %6, int8acc10; dp4a.s32.s32 int8acc11, %2, %7, int8acc11;\n\t"
        + "dp4a.s32.s32 int8acc12, %3, %4, int8acc12; dp4a.s32.s32 int8acc13, %3, %5, int8acc13;\n\t"
        + "dp4a.s32.s32 int8acc14, %3, %6, int8acc14; dp4a.s32.s32 int8acc15, %3, %7, int8acc15;";

    /// <summary>
    /// <c>c + Σ_j a_j·b_j</c> over the four signed bytes of each word, sign-extended by shifts: the portable twin of
    /// <see cref="Dp4aTile"/>, the same integers, so the same result.
    /// </summary>
    private static int Dot4(int a, int b, int c) =>
        c + (a << 24 >> 24) * (b << 24 >> 24) + (a << 16 >> 24) * (b << 16 >> 24)
        + (a << 8 >> 24) * (b << 8 >> 24) + (a >> 24) * (b >> 24);

    private static void StoreRow(ArrayView<float> y, ArrayView<float> xScale, ArrayView<float> wScale, ArrayView<float> bias,
        ArrayView<float> residual, Int8LinearShape s, int row, int col, int step, int v0, int v1, int v2, int v3)
    {
        if (row >= s.M)
            return;
        var rowScale = xScale[row];
        Store(y, wScale, bias, residual, s, rowScale, row, col, v0);
        Store(y, wScale, bias, residual, s, rowScale, row, col + step, v1);
        Store(y, wScale, bias, residual, s, rowScale, row, col + 2 * step, v2);
        Store(y, wScale, bias, residual, s, rowScale, row, col + 3 * step, v3);
    }

    /// <summary>Dequantizes as <c>(float)acc · (xScale · wScale) + bias</c>, then the activation, then the residual.</summary>
    private static void Store(ArrayView<float> y, ArrayView<float> wScale, ArrayView<float> bias, ArrayView<float> residual,
        Int8LinearShape s, float rowScale, int row, int col, int acc)
    {
        if (col >= s.N)
            return;
        var v = acc * (rowScale * wScale[col]) + bias[col];
        v = Activations.Apply(s.Activation, v);
        var i = row * s.N + col;
        if (s.AddResidual != 0)
            v += residual[i];
        y[i] = v;
    }
}
