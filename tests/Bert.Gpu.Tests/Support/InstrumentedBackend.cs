using Bert.Gpu.Backends;
using Bert.Gpu.Model;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// The host backend with hooks on each forward pass (its first op, the embedding): it records every pass's shape as
/// the pass starts, can hold passes at a gate (all of them, or all but a counted few) so work piles up in the queue,
/// lets a test wait until a given number of passes have started, can fail the next pass, and counts the rows its
/// linear layers are given.
/// </summary>
internal sealed class InstrumentedBackend(IComputeBackend inner) : IComputeBackend
{
    /// <summary>A bound on every wait, so that a test whose gate logic is wrong fails instead of hanging.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    private readonly object _lock = new();
    private readonly List<(int Sequences, int Tokens)> _passes = [];
    private int? _permits; // passes the gate still lets through; null = open
    private int _failNext;
    private long _linearRows;

    /// <summary>Every pass started so far, in the order they started.</summary>
    public IReadOnlyList<(int Sequences, int Tokens)> Passes
    {
        get
        {
            lock (_lock)
                return _passes.ToArray();
        }
    }

    /// <summary>Holds every pass that starts from now on at the gate.</summary>
    public void Close()
    {
        lock (_lock)
            _permits = 0;
    }

    /// <summary>Lets <paramref name="passes"/> more held passes through; the one after them waits again.</summary>
    public void Let(int passes)
    {
        lock (_lock)
        {
            if (_permits is { } p)
                _permits = p + passes;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Lets every pass through, held or to come.</summary>
    public void Open()
    {
        lock (_lock)
        {
            _permits = null;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>Blocks until <paramref name="count"/> passes have started (a held pass counts: it has its shape).</summary>
    public void WaitForPasses(int count)
    {
        lock (_lock)
            WaitUntil(() => _passes.Count >= count, $"{count} passes to start");
    }

    public void FailNextPass() => Interlocked.Exchange(ref _failNext, 1);

    public string DeviceName => inner.DeviceName;

    public void EmbedLayerNorm(DeviceBatch batch, IDeviceBuffer wordEmbeddings, IDeviceBuffer positionEmbeddings, IDeviceBuffer typeEmbeddings,
        IDeviceBuffer gamma, IDeviceBuffer beta, int hidden, float epsilon, IDeviceBuffer output, IDeviceBuffer? halfCopy = null)
    {
        lock (_lock)
        {
            _passes.Add((batch.Sequences, batch.TotalTokens));
            Monitor.PulseAll(_lock);
            WaitUntil(() => _permits is not 0, "the test to open the gate");
            if (_permits is { } p)
                _permits = p - 1;
        }
        if (Interlocked.Exchange(ref _failNext, 0) == 1)
            throw new InvalidOperationException("injected failure");
        inner.EmbedLayerNorm(batch, wordEmbeddings, positionEmbeddings, typeEmbeddings, gamma, beta, hidden, epsilon, output, halfCopy);
    }

    /// <summary>Waits on <see cref="_lock"/> (held by the caller) until <paramref name="condition"/> holds; every change pulses.</summary>
    private void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !Monitor.Wait(_lock, left) && !condition())
                throw new TimeoutException($"Waited {Patience.TotalSeconds:0} s for {what}.");
        }
    }

    public IDeviceBuffer Allocate(int length) => inner.Allocate(length);
    public IDeviceBuffer AllocateHalf(int length) => inner.AllocateHalf(length);
    public bool SupportsHalfAttention(int headDim) => inner.SupportsHalfAttention(headDim);
    public IDeviceBuffer Upload(ReadOnlySpan<float> values) => inner.Upload(values);
    public IDeviceBuffer Upload(ReadOnlySpan<int> values) => inner.Upload(values);
    public bool Supports(LinearFormat format) => inner.Supports(format);

    public Precision AutoPrecision => inner.AutoPrecision;

    public ILinearWeights UploadLinear(LinearLayer layer) => inner.UploadLinear(layer);
    public void Download(IDeviceBuffer source, Span<float> destination) => inner.Download(source, destination);
    /// <summary>Rows given to <see cref="Linear"/> so far, over every call.</summary>
    public long LinearRows => Interlocked.Read(ref _linearRows);

    public void Linear(IDeviceBuffer x, int rows, ILinearWeights weights, Activation activation, IDeviceBuffer? residual, IDeviceBuffer y,
        IDeviceBuffer? halfCopy = null)
    {
        Interlocked.Add(ref _linearRows, rows);
        inner.Linear(x, rows, weights, activation, residual, y, halfCopy);
    }
    public void Attention(DeviceBatch batch, IDeviceBuffer qkv, int heads, int headDim, IDeviceBuffer context, Precision precision = Precision.Fp32) =>
        inner.Attention(batch, qkv, heads, headDim, context, precision);
    public void LayerNorm(IDeviceBuffer x, int rows, int width, IDeviceBuffer gamma, IDeviceBuffer beta, float epsilon, IDeviceBuffer? halfCopy = null) =>
        inner.LayerNorm(x, rows, width, gamma, beta, epsilon, halfCopy);
    public void Pool(DeviceBatch batch, IDeviceBuffer hidden, int width, PoolingMode mode, IDeviceBuffer output) =>
        inner.Pool(batch, hidden, width, mode, output);
    public void L2Normalize(IDeviceBuffer x, int rows, int width) => inner.L2Normalize(x, rows, width);

    /// <summary>Opens the gate so that nothing stays held; the inner backend belongs to the caller.</summary>
    public void Dispose() => Open();
}
