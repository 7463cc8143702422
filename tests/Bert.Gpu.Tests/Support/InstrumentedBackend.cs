using Bert.Gpu.Backends;
using Bert.Gpu.Model;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// The host backend with hooks on each forward pass (its first op, the embedding): it records batch shapes, can hold
/// passes at a gate so work piles up in the queue, and can fail the next pass.
/// </summary>
internal sealed class InstrumentedBackend(IComputeBackend inner) : IComputeBackend
{
    private readonly ManualResetEventSlim _gate = new(true);
    private int _failNext;

    public List<(int Sequences, int Tokens)> Passes { get; } = [];

    public void Close() => _gate.Reset();

    public void Open() => _gate.Set();

    public void FailNextPass() => Interlocked.Exchange(ref _failNext, 1);

    public string DeviceName => inner.DeviceName;

    public void EmbedLayerNorm(DeviceBatch batch, IDeviceBuffer wordEmbeddings, IDeviceBuffer positionEmbeddings, IDeviceBuffer typeEmbeddings,
        IDeviceBuffer gamma, IDeviceBuffer beta, int hidden, float epsilon, IDeviceBuffer output)
    {
        if (!_gate.Wait(TimeSpan.FromMinutes(1)))
            throw new TimeoutException("The test never opened the gate.");
        lock (Passes)
            Passes.Add((batch.Sequences, batch.TotalTokens));
        if (Interlocked.Exchange(ref _failNext, 0) == 1)
            throw new InvalidOperationException("injected failure");
        inner.EmbedLayerNorm(batch, wordEmbeddings, positionEmbeddings, typeEmbeddings, gamma, beta, hidden, epsilon, output);
    }

    public IDeviceBuffer Allocate(int length) => inner.Allocate(length);
    public IDeviceBuffer Upload(ReadOnlySpan<float> values) => inner.Upload(values);
    public IDeviceBuffer Upload(ReadOnlySpan<int> values) => inner.Upload(values);
    public ILinearWeights UploadLinear(FloatTensor weight, FloatTensor bias) => inner.UploadLinear(weight, bias);
    public void Download(IDeviceBuffer source, Span<float> destination) => inner.Download(source, destination);
    public void Linear(IDeviceBuffer x, int rows, ILinearWeights weights, Activation activation, IDeviceBuffer? residual, IDeviceBuffer y) =>
        inner.Linear(x, rows, weights, activation, residual, y);
    public void Attention(DeviceBatch batch, IDeviceBuffer qkv, int heads, int headDim, IDeviceBuffer context) =>
        inner.Attention(batch, qkv, heads, headDim, context);
    public void LayerNorm(IDeviceBuffer x, int rows, int width, IDeviceBuffer gamma, IDeviceBuffer beta, float epsilon) =>
        inner.LayerNorm(x, rows, width, gamma, beta, epsilon);
    public void Pool(DeviceBatch batch, IDeviceBuffer hidden, int width, PoolingMode mode, IDeviceBuffer output) =>
        inner.Pool(batch, hidden, width, mode, output);
    public void L2Normalize(IDeviceBuffer x, int rows, int width) => inner.L2Normalize(x, rows, width);
    public void Dispose() => _gate.Dispose();
}
