using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Quantization.Observers;

/// <summary>
/// A histogram of |x| over the activations of one tensor (one linear layer's input), fed batch by batch, from which the
/// calibration methods pick a clipping threshold. It also keeps the exact max |x| (the min-max threshold) and the count.
/// </summary>
/// <remarks>
/// The range is <c>[0, 2^e)</c> with <c>2^e</c> the smallest power of two above every |x| seen (and at least 2^−64),
/// cut into <see cref="BinCount"/> equal bins (a power of two, 2048 by default). When a batch brings a larger max, the
/// range doubles as often as needed and each run of 2^k old bins merges into one new bin: old bin <c>i</c> lies wholly
/// inside new bin <c>i >> k</c>, so the merge loses nothing but resolution. This is why the range is a power of two and
/// not max |x| itself: PyTorch's HistogramObserver re-bins onto an unaligned range by spreading counts, which is an
/// approximation, and a two-pass design (max first, histogram second) would need every calibration batch run through
/// the encoder twice. The price is resolution: the data fills between half and all of the bins (bin width ≤ max/1024).
/// The result does not depend on how the activations were cut into batches or in what order they came, and two
/// histograms of the same bin count merge exactly (<see cref="Merge"/>).
/// A value's bin is <c>floor(|x| · 2^(log2(bins) − e))</c>: the product is exact in fp32 (a power-of-two scaling), so a
/// value on a bin edge always lands in the bin above it, as in numpy's <c>histogram</c> with edges <c>k·2^e/bins</c>.
/// </remarks>
public sealed class AbsHistogram
{
    /// <summary>The bin count TensorRT's entropy calibration works on.</summary>
    public const int DefaultBins = 2048;

    /// <summary>The exponent of the smallest range, 2^−64: a tensor of zeros (or of |x| below it) keeps this range.</summary>
    public const int MinRangeExponent = -64;

    // Values are binned in chunks of 4,096 (16 KB of floats, 16 KB of bin indices: both stay in L1 between the passes).
    private const int Chunk = 4096;

    // One count table: four interleaved ones (so that runs of values in one bin update different memory) were no faster
    // on the AMD EPYC this was measured on, even with every value in the same bin.

    private readonly long[] _counts;
    private readonly int _log2Bins;
    private int _maxBits;

    /// <summary>An empty histogram.</summary>
    /// <param name="name">What it observes (a layer's input), for error messages.</param>
    /// <param name="bins">The bin count: a power of two from 2 to 2^20.</param>
    public AbsHistogram(string name, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (bins < 2 || bins > 1 << 20 || !BitOperations.IsPow2(bins))
            throw new ArgumentOutOfRangeException(nameof(bins), bins, "The bin count must be a power of two from 2 to 2^20, so that the range can double without splitting a bin.");
        Name = name;
        BinCount = bins;
        _log2Bins = BitOperations.Log2((uint)bins);
        _counts = new long[bins];
        RangeExponent = MinRangeExponent;
    }

    /// <summary>What it observes, for messages.</summary>
    public string Name { get; }

    /// <summary>The number of bins.</summary>
    public int BinCount { get; }

    /// <summary>The values observed so far.</summary>
    public long Count { get; private set; }

    /// <summary>The largest |x| observed (0 before any value): the min-max threshold.</summary>
    public float Max => AbsBits.ToFloat(_maxBits);

    /// <summary>e of the range <c>[0, 2^e)</c>: the smallest power of two above <see cref="Max"/>, and at least 2^−64.</summary>
    public int RangeExponent { get; private set; }

    /// <summary>The upper end of the range, 2^e.</summary>
    public double Range => Math.ScaleB(1, RangeExponent);

    /// <summary>The width of a bin, 2^e / bins: bin k holds <c>k·width ≤ |x| &lt; (k+1)·width</c>.</summary>
    public double BinWidth => Math.ScaleB(1, RangeExponent - _log2Bins);

    /// <summary>The counts of the bins, a fresh array.</summary>
    public long[] Counts() => [.. _counts];

    /// <summary>Adds a batch of activations (any number of rows; their layout does not matter).</summary>
    /// <exception cref="ArgumentException">A value is NaN, infinite or of magnitude 2^64 or more; the histogram is as before the call.</exception>
    public void Observe(ReadOnlySpan<float> values)
    {
        // Checked before anything is counted, so a refused batch leaves no trace.
        if (AbsBits.Max(values) is var batchMax && batchMax >= AbsBits.Limit)
        {
            var bad = AbsBits.FirstOutOfRange(values);
            throw AbsBits.OutOfRange(Name, values[bad], Count + bad);
        }
        if (batchMax > _maxBits)
        {
            _maxBits = batchMax;
            GrowTo(ExponentAbove(batchMax));
        }
        Span<int> bins = stackalloc int[Chunk];
        for (var start = 0; start < values.Length; start += Chunk)
        {
            var chunk = values.Slice(start, Math.Min(Chunk, values.Length - start));
            BinIndices(chunk, bins);
            var counts = _counts;
            for (var i = 0; i < chunk.Length; i++)
                counts[bins[i]]++;
        }
        Count += values.Length;
    }

    /// <summary>Adds everything <paramref name="other"/> has seen, exactly as if its values had been observed here.</summary>
    /// <exception cref="ArgumentException">The bin counts differ.</exception>
    public void Merge(AbsHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.BinCount != BinCount)
            throw new ArgumentException($"observer '{other.Name}' has {other.BinCount} bins and '{Name}' {BinCount}; only histograms of one bin count merge.", nameof(other));
        if (other._maxBits > _maxBits)
        {
            _maxBits = other._maxBits;
            GrowTo(other.RangeExponent);
        }
        var shift = RangeExponent - other.RangeExponent;
        var theirs = other.Counts();
        for (var b = 0; b < BinCount; b++)
            _counts[shift >= _log2Bins ? 0 : b >> shift] += theirs[b];
        Count += other.Count;
    }

    // The smallest e with 2^e > |x|, for |x| given by its bits (a float in [2^(E−127), 2^(E−126)) has biased exponent E).
    private static int ExponentAbove(int bits) => Math.Max((bits >> 23) - 126, MinRangeExponent);

    private void GrowTo(int exponent)
    {
        if (exponent <= RangeExponent)
            return;
        // Bin b moves to b >> shift ≤ b: walking up, every bin is read before anything is added to it.
        var shift = exponent - RangeExponent;
        for (var b = 0; b < BinCount; b++)
        {
            var count = _counts[b];
            _counts[b] = 0;
            _counts[shift >= _log2Bins ? 0 : b >> shift] += count;
        }
        RangeExponent = exponent;
    }

    private void BinIndices(ReadOnlySpan<float> values, Span<int> bins)
    {
        // floor(|x| · 2^(log2 bins − e)): exact, and below BinCount because |x| < 2^e. The truncating conversion is floor
        // for these non-negative values, so the native (non-saturating) one is enough.
        var factor = (float)Math.ScaleB(1, _log2Bins - RangeExponent);
        var bits = MemoryMarshal.Cast<float, int>(values);
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var mask = Vector256.Create(AbsBits.Mask);
            var scale = Vector256.Create(factor);
            ref var source = ref MemoryMarshal.GetReference(bits);
            ref var target = ref MemoryMarshal.GetReference(bins);
            for (; i <= bits.Length - Vector256<int>.Count; i += Vector256<int>.Count)
            {
                var abs = (Vector256.LoadUnsafe(ref source, (nuint)i) & mask).AsSingle();
                Vector256.ConvertToInt32Native(abs * scale).StoreUnsafe(ref target, (nuint)i);
            }
        }
        for (; i < bits.Length; i++)
            bins[i] = (int)(AbsBits.ToFloat(bits[i] & AbsBits.Mask) * factor);
    }
}
