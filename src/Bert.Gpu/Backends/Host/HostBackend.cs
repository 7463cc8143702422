using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bert.Gpu.Backends.Host.Fp32;
using Bert.Gpu.Backends.Host.Int8;
using Bert.Gpu.Model;

namespace Bert.Gpu.Backends.Host;

/// <summary>
/// The encoder's operations in plain .NET on the CPU: multithreaded, with the GEMM micro-kernel of the best ISA this CPU
/// has (AVX-512, AVX2+FMA, or portable Vector128; <c>BERT_GPU_HOST_ISA</c> forces one). It is what CPU users run and the
/// reference GPU results are held to.
/// </summary>
public sealed class HostBackend : IComputeBackend
{
    private readonly int _threads;
    private readonly ParallelOptions _parallel;
    private readonly HostFp32Path _fp32;
    private readonly HostInt8Path _int8;

    /// <summary>Creates the backend on the best GEMM path of this CPU, or the one <c>BERT_GPU_HOST_ISA</c> names.</summary>
    /// <param name="threads">Worker threads; 0 means one per logical processor.</param>
    /// <exception cref="BackendUnavailableException"><c>BERT_GPU_HOST_ISA</c> names no path, or one this CPU cannot run.</exception>
    public HostBackend(int threads = 0)
        : this(threads, HostFp32Paths.Selected())
    {
    }

    /// <summary>Creates the backend on a given fp32 path (tests run every path; the emulated ones slowly).</summary>
    internal HostBackend(int threads, HostFp32Path fp32)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        _threads = threads == 0 ? Environment.ProcessorCount : threads;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = _threads };
        _fp32 = fp32;
        // Forcing the portable path forces it for int8 as well: that is what a user checking a CPU without AVX2 expects.
        _int8 = fp32 == HostFp32Path.Portable ? HostInt8Path.Portable : HostInt8Gemm.Path;
        DeviceName = $"host ({_threads} thread{(_threads == 1 ? "" : "s")}, {HostFp32Paths.Name(fp32)}, {HostInt8Paths.Name(_int8)})";
    }

    /// <summary>The fp32 GEMM path in use.</summary>
    internal HostFp32Path Fp32Path => _fp32;

    /// <inheritdoc />
    public string DeviceName { get; }

    /// <inheritdoc />
    public IDeviceBuffer Allocate(int length) => new HostBuffer<float>(GC.AllocateUninitializedArray<float>(length));

    /// <inheritdoc />
    public IDeviceBuffer AllocateHalf(int length) => throw NoFp16();

    /// <inheritdoc />
    public IDeviceBuffer Upload(ReadOnlySpan<float> values) => new HostBuffer<float>(values.ToArray());

    /// <inheritdoc />
    public IDeviceBuffer Upload(ReadOnlySpan<int> values) => new HostBuffer<int>(values.ToArray());

    /// <inheritdoc />
    public bool Supports(LinearFormat format) => format is LinearFormat.Fp32 or LinearFormat.Int8;

    /// <inheritdoc />
    public Precision AutoPrecision => Precision.Fp32;

    /// <inheritdoc />
    public bool SupportsHalfAttention(int headDim) => false;

    /// <inheritdoc />
    public ILinearWeights UploadLinear(LinearLayer layer) => layer switch
    {
        Fp32Linear fp32 => new HostLinearWeights(fp32),
        Int8Linear int8 => new HostInt8LinearWeights(int8),
        _ => throw new NotSupportedException($"{DeviceName} has no {layer.Format} linear layers."),
    };

    /// <inheritdoc />
    public void Download(IDeviceBuffer source, Span<float> destination) =>
        HostBuffer<float>.Of(source).AsSpan(0, destination.Length).CopyTo(destination);

    /// <inheritdoc />
    public void EmbedLayerNorm(DeviceBatch batch, IDeviceBuffer wordEmbeddings, IDeviceBuffer positionEmbeddings,
        IDeviceBuffer typeEmbeddings, IDeviceBuffer gamma, IDeviceBuffer beta, int hidden, float epsilon, IDeviceBuffer output,
        IDeviceBuffer? halfCopy = null)
    {
        RefuseHalves(halfCopy);
        var ids = HostBuffer<int>.Of(batch.InputIds);
        var types = HostBuffer<int>.Of(batch.TypeIds);
        var positions = HostBuffer<int>.Of(batch.PositionIds);
        var word = HostBuffer<float>.Of(wordEmbeddings);
        var position = HostBuffer<float>.Of(positionEmbeddings);
        var type = HostBuffer<float>.Of(typeEmbeddings);
        var g = HostBuffer<float>.Of(gamma);
        var b = HostBuffer<float>.Of(beta);
        var y = HostBuffer<float>.Of(output);
        Parallel.For(0, batch.TotalTokens, _parallel, t =>
        {
            var row = y.AsSpan(t * hidden, hidden);
            var w = word.AsSpan(ids[t] * hidden, hidden);
            var p = position.AsSpan(positions[t] * hidden, hidden);
            var s = type.AsSpan(types[t] * hidden, hidden);
            for (var i = 0; i < hidden; i++)
                row[i] = w[i] + p[i] + s[i];
            HostLayerNorm.Row(row, g, b, epsilon);
        });
    }

    /// <inheritdoc />
    public void Linear(IDeviceBuffer x, int rows, ILinearWeights weights, Activation activation, IDeviceBuffer? residual, IDeviceBuffer y,
        IDeviceBuffer? halfCopy = null)
    {
        RefuseHalves(halfCopy);
        var input = HostBuffer<float>.Of(x);
        var output = HostBuffer<float>.Of(y);
        switch (weights)
        {
            case HostLinearWeights w:
                HostGemm.Run(input, rows, w, activation, residual is null ? null : HostBuffer<float>.Of(residual), output, _threads, _fp32);
                return;
            case HostInt8LinearWeights w:
                HostInt8Gemm.Run(input, rows, w, w.Activations, activation,
                    residual is null ? default : HostBuffer<float>.Of(residual), output, _threads, _int8);
                return;
            default:
                throw new ArgumentException("These weights were uploaded to another backend.", nameof(weights));
        }
    }

    /// <inheritdoc />
    /// <remarks>fp32 whatever <paramref name="precision"/> says: the host has no fp16 path (<see cref="Supports"/>), so an encoder never asks it for one.</remarks>
    public void Attention(DeviceBatch batch, IDeviceBuffer qkv, int heads, int headDim, IDeviceBuffer context, Precision precision = Precision.Fp32) =>
        HostAttention.Run(HostBuffer<float>.Of(qkv), HostBuffer<int>.Of(batch.SeqStarts), batch.Sequences,
            batch.MaxSequenceLength, heads, headDim, HostBuffer<float>.Of(context), _threads);

    /// <inheritdoc />
    public void LayerNorm(IDeviceBuffer x, int rows, int width, IDeviceBuffer gamma, IDeviceBuffer beta, float epsilon, IDeviceBuffer? halfCopy = null)
    {
        RefuseHalves(halfCopy);
        var data = HostBuffer<float>.Of(x);
        var g = HostBuffer<float>.Of(gamma);
        var b = HostBuffer<float>.Of(beta);
        Parallel.For(0, rows, _parallel, r => HostLayerNorm.Row(data.AsSpan(r * width, width), g, b, epsilon));
    }

    private NotSupportedException NoFp16() =>
        new($"{DeviceName} has no fp16 path (no fp16 buffers); use fp32, or an ILGPU device (--device cuda|opencl).");

    private void RefuseHalves(IDeviceBuffer? halfCopy)
    {
        if (halfCopy is not null)
            throw NoFp16();
    }

    /// <inheritdoc />
    public void Pool(DeviceBatch batch, IDeviceBuffer hidden, int width, PoolingMode mode, IDeviceBuffer output)
    {
        var h = HostBuffer<float>.Of(hidden);
        var starts = HostBuffer<int>.Of(batch.SeqStarts);
        var y = HostBuffer<float>.Of(output);
        Parallel.For(0, batch.Sequences, _parallel, s =>
            HostPooling.Sequence(h.AsSpan(starts[s] * width, (starts[s + 1] - starts[s]) * width), width, mode, y.AsSpan(s * width, width)));
    }

    /// <inheritdoc />
    public void L2Normalize(IDeviceBuffer x, int rows, int width)
    {
        var data = HostBuffer<float>.Of(x);
        for (var r = 0; r < rows; r++)
            EmbeddingRows.Normalize(data.AsSpan(r * width, width));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Nothing native is held.
    }
}
