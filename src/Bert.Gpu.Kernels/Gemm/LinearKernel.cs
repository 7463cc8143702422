using Bert.Gpu.Kernels.Math;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// <c>Y = act(X·Wᵀ + b) (+ residual)</c> with X <c>[M, K]</c>, W <c>[N, K]</c> (PyTorch's Linear layout, read along K like
/// X), b <c>[N]</c>, Y and the residual <c>[M, N]</c>, all row-major fp32. A tiled GEMM: each group stages K-slices of
/// X and W in shared memory and each thread accumulates a 4×4 register tile; any M, N, K is handled by zero-filling the
/// slices past the edges and masking the stores.
/// </summary>
public sealed class LinearKernel
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<float>, LinearShape> _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="tiling">Work split; null = <see cref="GemmTiling.For"/>.</param>
    public LinearKernel(Accelerator accelerator, GemmTiling? tiling = null)
    {
        Tiling = tiling ?? GemmTiling.For(accelerator);
        if (Tiling.ThreadsX <= 0 || Tiling.ThreadsY <= 0 || Tiling.TileK <= 0)
            throw new ArgumentOutOfRangeException(nameof(tiling), $"Tiling {Tiling} must be positive in every dimension.");
        if (Tiling.SharedFloats > GemmTiling.MaxSharedFloats)
            throw new ArgumentException($"Tiling {Tiling} needs {Tiling.SharedFloats} shared floats; the kernel allocates {GemmTiling.MaxSharedFloats}.", nameof(tiling));
        KernelLimits.Check(accelerator, nameof(LinearKernel), Tiling.Threads, GemmTiling.MaxSharedFloats);
        _kernel = accelerator.LoadKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>,
            ArrayView<float>, LinearShape>(Kernel);
    }

    /// <summary>The work split in use.</summary>
    public GemmTiling Tiling { get; }

    /// <summary>Queues <c>y = act(x·wᵀ + bias) (+ residual)</c> on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="x">Input <c>[rows, inFeatures]</c>.</param>
    /// <param name="rows">M.</param>
    /// <param name="weight">Weight <c>[outFeatures, inFeatures]</c>.</param>
    /// <param name="bias">Bias <c>[outFeatures]</c>.</param>
    /// <param name="outFeatures">N.</param>
    /// <param name="inFeatures">K.</param>
    /// <param name="activation">Applied after the bias: an <see cref="Activations"/> code.</param>
    /// <param name="residual">Added last, <c>[rows, outFeatures]</c>; null for none. May be <paramref name="y"/> itself.</param>
    /// <param name="y">Output <c>[rows, outFeatures]</c>; must not overlap <paramref name="x"/>.</param>
    public void Launch(AcceleratorStream stream, ArrayView<float> x, int rows, ArrayView<float> weight, ArrayView<float> bias,
        int outFeatures, int inFeatures, int activation, ArrayView<float>? residual, ArrayView<float> y)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        Shapes.Require(x, (long)rows * inFeatures, nameof(x), $"[{rows}, {inFeatures}]");
        Shapes.Require(weight, (long)outFeatures * inFeatures, nameof(weight), $"[{outFeatures}, {inFeatures}]");
        Shapes.Require(bias, outFeatures, nameof(bias), $"[{outFeatures}]");
        Shapes.Require(y, (long)rows * outFeatures, nameof(y), $"[{rows}, {outFeatures}]");
        if (residual is { } r)
            Shapes.Require(r, (long)rows * outFeatures, nameof(residual), $"[{rows}, {outFeatures}]");
        if (rows == 0)
            return;

        Activations.Check(activation);
        var t = Tiling;
        var config = new KernelConfig(
            new Index2D(KernelLimits.Groups(outFeatures, t.TileN), KernelLimits.Groups(rows, t.TileM)),
            new Index2D(t.ThreadsX, t.ThreadsY));
        // Without a residual the kernel never reads that argument; y stands in so that no view is null.
        var shape = new LinearShape(rows, outFeatures, inFeatures, t.TileK, activation, residual is null ? 0 : 1);
        _kernel(stream, config, x, weight, bias, residual ?? y, y, shape);
    }

    /// <summary>The scalar arguments, in one struct to stay within ILGPU's nine kernel parameters.</summary>
    internal readonly record struct LinearShape(int M, int N, int K, int TileK, int Activation, int AddResidual);

    private static void Kernel(ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> residual,
        ArrayView<float> y, LinearShape s)
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
        var shared = SharedMemory.Allocate<float>(GemmTiling.MaxSharedFloats);
        var a = shared.SubView(0, s.TileK * strideA);
        var b = shared.SubView(s.TileK * strideA, s.TileK * strideB);

        // Thread (tx, ty) owns rows ty + i·threadsY and columns tx + j·threadsX: neighbouring threads read neighbouring
        // shared words and write neighbouring output columns.
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (var k0 = 0; k0 < s.K; k0 += s.TileK)
        {
            // Consecutive threads load consecutive k of one row (coalesced) and store them transposed, k-major.
            for (var e = tid; e < tileM * s.TileK; e += threads)
            {
                var r = e / s.TileK;
                var kk = e - r * s.TileK;
                int gm = m0 + r, gk = k0 + kk;
                a[kk * strideA + r] = gm < s.M && gk < s.K ? x[gm * s.K + gk] : 0f;
            }
            for (var e = tid; e < tileN * s.TileK; e += threads)
            {
                var r = e / s.TileK;
                var kk = e - r * s.TileK;
                int gn = n0 + r, gk = k0 + kk;
                b[kk * strideB + r] = gn < s.N && gk < s.K ? w[gn * s.K + gk] : 0f;
            }
            Group.Barrier();
            for (var kk = 0; kk < s.TileK; kk++)
            {
                var ia = kk * strideA + ty;
                float a0 = a[ia], a1 = a[ia + threadsY], a2 = a[ia + 2 * threadsY], a3 = a[ia + 3 * threadsY];
                var ib = kk * strideB + tx;
                float b0 = b[ib], b1 = b[ib + threadsX], b2 = b[ib + 2 * threadsX], b3 = b[ib + 3 * threadsX];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            // The next slice overwrites shared memory that slower threads may still be reading.
            Group.Barrier();
        }

        int row0 = m0 + ty, col0 = n0 + tx;
        StoreRow(y, bias, residual, s, row0, col0, threadsX, c00, c01, c02, c03);
        StoreRow(y, bias, residual, s, row0 + threadsY, col0, threadsX, c10, c11, c12, c13);
        StoreRow(y, bias, residual, s, row0 + 2 * threadsY, col0, threadsX, c20, c21, c22, c23);
        StoreRow(y, bias, residual, s, row0 + 3 * threadsY, col0, threadsX, c30, c31, c32, c33);
    }

    private static void StoreRow(ArrayView<float> y, ArrayView<float> bias, ArrayView<float> residual, LinearShape s,
        int row, int col, int step, float v0, float v1, float v2, float v3)
    {
        if (row >= s.M)
            return;
        Store(y, bias, residual, s, row, col, v0);
        Store(y, bias, residual, s, row, col + step, v1);
        Store(y, bias, residual, s, row, col + 2 * step, v2);
        Store(y, bias, residual, s, row, col + 3 * step, v3);
    }

    private static void Store(ArrayView<float> y, ArrayView<float> bias, ArrayView<float> residual, LinearShape s,
        int row, int col, float acc)
    {
        if (col >= s.N)
            return;
        var v = acc + bias[col];
        v = Activations.Apply(s.Activation, v);
        var i = row * s.N + col;
        if (s.AddResidual != 0)
            v += residual[i];
        y[i] = v;
    }
}
