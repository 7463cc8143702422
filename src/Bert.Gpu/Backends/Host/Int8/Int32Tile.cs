using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// Where a micro-tile's int32 accumulators come from and go to in one K slice: zero on the first slice, else the
/// partial sums kept in Y's own memory (int32 bits in the fp32 output, turned into floats by the epilogue once K is
/// done), so no scratch buffer is needed. Eight-column halves; the edge panel moves element by element, inline: a
/// stackalloc'd buffer would stop inlining and the call would spill the caller's accumulators. A non-positive
/// <c>cols</c> (the empty half of a narrow edge panel) loads zeros and stores nothing.
/// </summary>
internal readonly unsafe struct Int32Tile(bool first, int* y, int n)
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<int> Load(int row, int col, int cols)
    {
        if (first)
            return Vector256<int>.Zero;
        var at = y + (long)row * n + col;
        if (cols >= Vector256<int>.Count)
            return Vector256.Load(at);
        var v = Vector256<int>.Zero;
        for (var j = 0; j < cols; j++)
            v = v.WithElement(j, at[j]);
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(Vector256<int> v, int row, int col, int cols)
    {
        var at = y + (long)row * n + col;
        if (cols >= Vector256<int>.Count)
        {
            v.Store(at);
            return;
        }
        for (var j = 0; j < cols; j++)
            at[j] = v.GetElement(j);
    }

    /// <summary>Four columns, for <see cref="Int8PortableKernel"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector128<int> Load128(int row, int col, int cols)
    {
        if (first)
            return Vector128<int>.Zero;
        var at = y + (long)row * n + col;
        if (cols >= Vector128<int>.Count)
            return Vector128.Load(at);
        var v = Vector128<int>.Zero;
        for (var j = 0; j < cols; j++)
            v = v.WithElement(j, at[j]);
        return v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store128(Vector128<int> v, int row, int col, int cols)
    {
        var at = y + (long)row * n + col;
        if (cols >= Vector128<int>.Count)
        {
            v.Store(at);
            return;
        }
        for (var j = 0; j < cols; j++)
            at[j] = v.GetElement(j);
    }
}
