using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Bert.Gpu.Quantization.Observers;

/// <summary>
/// max |x_j| per input channel (column) j over every row observed: the activation statistic SmoothQuant's smoothing
/// factors need (<see cref="Smoothing.SmoothQuant.Factors"/>).
/// </summary>
public sealed class ChannelAbsMaxObserver
{
    private readonly int[] _maxBits;

    /// <summary>An observer of rows of <paramref name="channels"/> values.</summary>
    /// <param name="name">What it observes (a layer's input), for error messages.</param>
    /// <param name="channels">The row width.</param>
    public ChannelAbsMaxObserver(string name, int channels)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        Name = name;
        _maxBits = new int[channels];
    }

    /// <summary>What it observes, for messages.</summary>
    public string Name { get; }

    /// <summary>The row width.</summary>
    public int Channels => _maxBits.Length;

    /// <summary>The rows observed so far.</summary>
    public long Rows { get; private set; }

    /// <summary>max |x_j| for each channel j (0 for a channel never nonzero), a fresh array.</summary>
    public float[] Max() => [.. _maxBits.Select(AbsBits.ToFloat)];

    /// <summary>Adds a batch of rows, <c>[rows, Channels]</c> row-major.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of <see cref="Channels"/>, or a value is NaN, infinite or at least 2^64; nothing of the batch is counted.</exception>
    public void Observe(ReadOnlySpan<float> rows)
    {
        if (rows.Length % Channels != 0)
            throw new ArgumentException($"observer '{Name}': {rows.Length} values are not rows of {Channels} channels.", nameof(rows));
        // The whole batch is checked before any of it is folded in, so a refused batch leaves no trace.
        if (AbsBits.Max(rows) >= AbsBits.Limit)
        {
            var bad = AbsBits.FirstOutOfRange(rows);
            throw AbsBits.OutOfRange(Name, rows[bad], Rows * Channels + bad);
        }
        var bits = MemoryMarshal.Cast<float, int>(rows);
        for (var row = 0; row < bits.Length; row += Channels)
            Fold(bits.Slice(row, Channels));
        Rows += rows.Length / Channels;
    }

    private void Fold(ReadOnlySpan<int> row)
    {
        var max = _maxBits.AsSpan();
        var j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var mask = Vector256.Create(AbsBits.Mask);
            ref var source = ref MemoryMarshal.GetReference(row);
            ref var target = ref MemoryMarshal.GetReference(max);
            for (; j <= row.Length - Vector256<int>.Count; j += Vector256<int>.Count)
                Vector256.Max(Vector256.LoadUnsafe(ref target, (nuint)j), Vector256.LoadUnsafe(ref source, (nuint)j) & mask)
                    .StoreUnsafe(ref target, (nuint)j);
        }
        for (; j < row.Length; j++)
            max[j] = Math.Max(max[j], row[j] & AbsBits.Mask);
    }
}
