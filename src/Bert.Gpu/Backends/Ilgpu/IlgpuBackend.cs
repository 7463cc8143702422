using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Kernels.Conversion;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Normalization;
using Bert.Gpu.Kernels.Pooling;
using Bert.Gpu.Kernels.Quantization;
using Bert.Gpu.Model;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>
/// The encoder's operations as ILGPU kernels on one accelerator (CUDA, OpenCL, or ILGPU's CPU emulator for kernel
/// debugging). Every kernel is compiled once, when the backend is made; operations are queued on one stream and
/// <see cref="Download"/> waits for them. Weights stay in PyTorch's layout on the device.
/// </summary>
public sealed class IlgpuBackend : IComputeBackend
{
    private readonly Context? _ownedContext;
    private readonly Accelerator _accelerator;
    private readonly bool _ownsAccelerator;

    /// <summary>A CUDA device of compute capability 8.0 or later: mma.sync m16n8k16/m16n8k32, ldmatrix and cp.async run as asm.</summary>
    private readonly bool _tensorCores;
    private readonly AcceleratorStream _stream;
    private readonly DeviceMemory _memory;
    private readonly LinearKernel _linear;
    private readonly QuantizeRowsKernel _quantize;
    private readonly Int8LinearKernel _int8Linear;
    private readonly AttentionKernel _attention;
    private readonly LayerNormKernel _layerNorm;
    private readonly EmbedLayerNormKernel _embed;
    private readonly PoolKernel _pool;
    private readonly L2NormalizeKernel _l2;
    private readonly Lazy<HalfKernels> _half;
    private readonly Lazy<Int8TensorLinearKernel> _int8Tensor;
    private IlgpuBuffer<int>? _int8Codes;
    private IlgpuBuffer<float>? _int8Scales;
    private IlgpuBuffer<ushort>? _halfInput, _halfQkv, _halfContext;

    /// <summary>The fp16 GEMM's split-K partials: only at small M, under 3 · 2,048 floats per multiprocessor whatever the
    /// batch (<see cref="TensorCoreTiling.SplitK"/>), so not counted per token.</summary>
    private IlgpuBuffer<float>? _halfPartials;

    /// <summary>
    /// Runs on <paramref name="accelerator"/>, which the caller keeps owning. Its context must have been built with
    /// <c>EnableAlgorithms()</c> (the attention kernel's exponential needs it on GPUs).
    /// </summary>
    /// <param name="accelerator">Where the kernels run.</param>
    /// <param name="memoryLimitBytes">
    /// Most device memory this backend may hold (e.g. on a GPU shared with other work); null = all the driver reports.
    /// Allocations beyond it fail with a message instead of reaching the driver.
    /// </param>
    public IlgpuBackend(Accelerator accelerator, long? memoryLimitBytes = null)
        : this(null, accelerator, ownsAccelerator: false, note: null, memoryLimitBytes)
    {
    }

    /// <summary>Runs on <paramref name="accelerator"/>; owns it and <paramref name="context"/> when told to.</summary>
    internal IlgpuBackend(Context? context, Accelerator accelerator, bool ownsAccelerator, string? note, long? memoryLimitBytes = null)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        _ownedContext = context;
        _accelerator = accelerator;
        _ownsAccelerator = ownsAccelerator;
        _tensorCores = accelerator is ILGPU.Runtime.Cuda.CudaAccelerator { Architecture.Major: >= 8 };
        _stream = accelerator.CreateStream();
        _memory = new DeviceMemory(accelerator, _stream, memoryLimitBytes);
        _linear = new LinearKernel(accelerator);
        _quantize = new QuantizeRowsKernel(accelerator);
        _int8Linear = new Int8LinearKernel(accelerator);
        _attention = new AttentionKernel(accelerator);
        _layerNorm = new LayerNormKernel(accelerator);
        _embed = new EmbedLayerNormKernel(accelerator);
        _pool = new PoolKernel(accelerator);
        _l2 = new L2NormalizeKernel(accelerator);
        _half = new Lazy<HalfKernels>(() => new HalfKernels(accelerator), LazyThreadSafetyMode.ExecutionAndPublication);
        _int8Tensor = new Lazy<Int8TensorLinearKernel>(() => new Int8TensorLinearKernel(accelerator), LazyThreadSafetyMode.ExecutionAndPublication);
        DeviceName = $"{accelerator.AcceleratorType} {accelerator.Name} ({accelerator.MemorySize >> 20} MiB){note}";
    }

    /// <inheritdoc />
    public string DeviceName { get; }

    /// <summary>
    /// Device memory this backend may use, in bytes (the driver's figure, or the cap given): minus
    /// <see cref="AllocatedBytes"/>, what a batch's activations may still take.
    /// </summary>
    public long DeviceMemoryBytes => _memory.TotalBytes;

    /// <summary>Device memory this backend holds (weights, workspaces, pooled id buffers), in bytes.</summary>
    public long AllocatedBytes => _memory.AllocatedBytes;

    /// <inheritdoc />
    public IDeviceBuffer Allocate(int length) => _memory.Allocate<float>(length);

    /// <inheritdoc />
    public IDeviceBuffer AllocateHalf(int length) =>
        Supports(LinearFormat.Fp16)
            ? _memory.Allocate<ushort>(length)
            : throw new NotSupportedException($"{DeviceName} has no fp16 path (mma.sync m16n8k16 needs compute capability 8.0); use fp32.");

    /// <inheritdoc />
    public IDeviceBuffer Upload(ReadOnlySpan<float> values)
    {
        var buffer = _memory.Allocate<float>(values.Length);
        Copy(buffer, values);
        return buffer;
    }

    /// <inheritdoc />
    public IDeviceBuffer Upload(ReadOnlySpan<int> values)
    {
        var buffer = _memory.RentInts(values.Length);
        Copy(buffer, values);
        return buffer;
    }

    /// <inheritdoc />
    /// <remarks>
    /// fp16 on CUDA devices of compute capability 8.0 or later (mma.sync m16n8k16 and cp.async need sm_80) on tensor
    /// cores, and on OpenCL and the CPU emulator through the managed twin of the same fragments (exact but slow: each
    /// emulated mma costs two barriers — for checking, not for speed; <see cref="AutoPrecision"/> never picks it).
    /// </remarks>
    public bool Supports(LinearFormat format) =>
        format is LinearFormat.Fp32 or LinearFormat.Int8 || (format == LinearFormat.Fp16 && (_tensorCores || _accelerator is not ILGPU.Runtime.Cuda.CudaAccelerator));

    /// <inheritdoc />
    /// <remarks>fp16 on CUDA devices of compute capability 8.0 or later (tensor cores with mma.sync m16n8k16).</remarks>
    public Precision AutoPrecision => _tensorCores ? Precision.Fp16 : Precision.Fp32;

    /// <inheritdoc />
    /// <remarks>Head dims 32 and 64 (<see cref="FlashAttentionTiling.Supports"/>), on the tensor-core flash attention.</remarks>
    public bool SupportsHalfAttention(int headDim) => Supports(LinearFormat.Fp16) && FlashAttentionTiling.Supports(headDim);

    /// <inheritdoc />
    public ILinearWeights UploadLinear(LinearLayer layer) => layer switch
    {
        Fp32Linear fp32 => new IlgpuLinearWeights(_memory, Copy, fp32),
        Int8Linear int8 => new IlgpuInt8LinearWeights(_memory, Copy, Copy, int8),
        Fp16Linear fp16 when Supports(LinearFormat.Fp16) => new IlgpuHalfLinearWeights(_memory, Copy, Copy, fp16),
        _ => throw new NotSupportedException($"{DeviceName} has no {layer.Format} linear layers."),
    };

    /// <inheritdoc />
    public void Download(IDeviceBuffer source, Span<float> destination)
    {
        var buffer = Float(source, nameof(source));
        if (destination.Length > buffer.Length)
            throw new ArgumentException($"Cannot download {destination.Length} values from a buffer of {buffer.Length}.", nameof(destination));
        buffer.View.SubView(0, destination.Length).CopyToCPU(_stream, destination);
        _stream.Synchronize();
    }

    /// <inheritdoc />
    public void EmbedLayerNorm(DeviceBatch batch, IDeviceBuffer wordEmbeddings, IDeviceBuffer positionEmbeddings,
        IDeviceBuffer typeEmbeddings, IDeviceBuffer gamma, IDeviceBuffer beta, int hidden, float epsilon, IDeviceBuffer output,
        IDeviceBuffer? halfCopy = null)
    {
        var indices = new EmbeddingIndices(Int(batch.InputIds, nameof(batch)).View, Int(batch.PositionIds, nameof(batch)).View,
            Int(batch.TypeIds, nameof(batch)).View);
        var tables = new EmbeddingTables(Float(wordEmbeddings, nameof(wordEmbeddings)).View,
            Float(positionEmbeddings, nameof(positionEmbeddings)).View, Float(typeEmbeddings, nameof(typeEmbeddings)).View);
        _embed.Launch(_stream, indices, tables, batch.TotalTokens, hidden, Float(gamma, nameof(gamma)).View,
            Float(beta, nameof(beta)).View, epsilon, Float(output, nameof(output)).View, HalfView(halfCopy, nameof(halfCopy)));
    }

    /// <inheritdoc />
    public void Linear(IDeviceBuffer x, int rows, ILinearWeights weights, Activation activation, IDeviceBuffer? residual, IDeviceBuffer y,
        IDeviceBuffer? halfCopy = null)
    {
        var code = (int)activation;
        var residualView = residual is null ? (ArrayView<float>?)null : Float(residual, nameof(residual)).View;
        if (weights is not IlgpuHalfLinearWeights && (x is IlgpuBuffer<ushort> || y is IlgpuBuffer<ushort> || halfCopy is not null))
            throw new ArgumentException($"fp16 activations go only through fp16 weights; these are {weights.Format}: pass fp32 buffers.", nameof(weights));
        switch (weights)
        {
            case IlgpuHalfLinearWeights w when ReferenceEquals(w.Weight.Owner, _memory):
                HalfLinear(x, rows, w, code, residualView, y, halfCopy);
                return;
            case IlgpuLinearWeights w when ReferenceEquals(w.Weight.Owner, _memory):
                _linear.Launch(_stream, Float(x, nameof(x)).View, rows, w.Weight.View, w.Bias.View, w.OutFeatures, w.InFeatures,
                    code, residualView, Float(y, nameof(y)).View);
                return;
            case IlgpuInt8LinearWeights w when ReferenceEquals(w.Words.Owner, _memory):
                var (codes, scales) = Int8Scratch(rows, Int8Packing.Words(w.InFeatures));
                _quantize.Launch(_stream, Float(x, nameof(x)).View, rows, w.InFeatures, codes, scales, w.Activations.StaticScale);
                if (UsesInt8TensorCores(rows, w.InFeatures))
                    _int8Tensor.Value.Launch(_stream, codes, scales, rows, w.Words.View, w.Scales.View, w.Bias.View, w.OutFeatures,
                        w.InFeatures, code, residualView, Float(y, nameof(y)).View);
                else
                    _int8Linear.Launch(_stream, codes, scales, rows, w.Words.View, w.Scales.View, w.Bias.View, w.OutFeatures,
                        w.InFeatures, code, residualView, Float(y, nameof(y)).View);
                return;
            default:
                throw new ArgumentException("These weights were uploaded to another backend.", nameof(weights));
        }
    }

    /// <summary>
    /// An fp16 layer on the tensor-core GEMM. An fp16 <paramref name="x"/> (the fp16 pipeline) goes in as it is and must
    /// be <c>[rows, PaddedInFeatures]</c>; an fp32 one is converted per call, zero-padded to the weight's K (the mixed
    /// path, for shapes the pipeline does not take). <paramref name="y"/> is fp16 or fp32, and an fp32 one may also be
    /// written as fp16 to <paramref name="halfCopy"/>; the residual stays fp32.
    /// </summary>
    private void HalfLinear(IDeviceBuffer x, int rows, IlgpuHalfLinearWeights w, int code, ArrayView<float>? residual, IDeviceBuffer y,
        IDeviceBuffer? halfCopy)
    {
        ArrayView<ushort> input;
        if (x is IlgpuBuffer<ushort>)
        {
            input = Half(x, nameof(x)).View;
        }
        else
        {
            input = Scratch(ref _halfInput, (long)rows * w.PaddedInFeatures);
            _half.Value.ToHalf.Launch(_stream, Float(x, nameof(x)).View, rows, w.InFeatures, w.PaddedInFeatures, input);
        }
        ArrayView<ushort>? yHalf;
        ArrayView<float>? yFloat = null;
        if (y is IlgpuBuffer<ushort>)
        {
            if (halfCopy is not null)
                throw new ArgumentException("An fp16 output takes no second fp16 copy; pass an fp32 y to have both.", nameof(halfCopy));
            yHalf = Half(y, nameof(y)).View;
        }
        else
        {
            yHalf = HalfView(halfCopy, nameof(halfCopy));
            yFloat = Float(y, nameof(y)).View;
        }
        // Small batches split K over more groups (HalfLinearKernel.PartialsLength is 0 when they do not).
        var partials = HalfLinearKernel.PartialsLength(_accelerator, rows, w.OutFeatures, w.PaddedInFeatures);
        _half.Value.Linear.Launch(_stream, input, rows, w.Weight.View, w.Bias.View, w.OutFeatures, w.PaddedInFeatures, code, residual, yHalf, yFloat,
            partials > 0 ? Scratch(ref _halfPartials, partials) : null);
    }

    /// <summary>
    /// Whether an int8 layer runs on tensor cores (<see cref="Int8TensorLinearKernel"/>, mma.m16n8k32) rather than dp4a:
    /// on CUDA sm ≥ 80, when K packs to whole 16-byte rows (a multiple of 16 int8 — every BERT width is) and the batch
    /// has at least one mma's 16 rows; below that the dp4a kernel's 64×64 tiles waste less. Both accumulate exactly in
    /// integers and share the epilogue's expression, so the choice should never change a row: bit for bit on the CPU
    /// emulator (Int8TensorLinearKernelTests), on a GPU checked by CudaTensorCoreKernelTests (not run yet). Elsewhere the
    /// dp4a kernel runs: the tensor-core kernel's managed twin would only be slower.
    /// </summary>
    private bool UsesInt8TensorCores(int rows, int inFeatures) =>
        rows >= 16 && Int8Packing.Words(inFeatures) % 4 == 0 && _tensorCores;

    /// <summary>
    /// The quantized input of an int8 layer, <c>[rows, words]</c>, and its row scales: grown when a larger batch or wider
    /// layer comes, never shrunk. At most intermediate + 4 bytes a token (MiniLM: 1,540 B, a tenth of
    /// <see cref="Encoder.Workspace.BytesPerToken"/>'s 15,360), which does not count it: it fits in the half of the
    /// device's free memory the batch budget leaves over (<see cref="Scheduling.BatchBudget"/>).
    /// </summary>
    private (ArrayView<int> Codes, ArrayView<float> Scales) Int8Scratch(int rows, int words)
    {
        return (Scratch(ref _int8Codes, (long)rows * words), Scratch(ref _int8Scales, rows));
    }

    /// <summary>
    /// The first <paramref name="length"/> elements of a scratch buffer, grown (never shrunk) when a larger batch or wider
    /// layer comes. What the mixed fp16 path holds this way besides the fp32 workspace is counted per token in
    /// <see cref="Encoder.Workspace.BytesPerToken"/>; the fp16 pipeline converts only a CLS-only last layer's
    /// per-sequence rows this way, and neither counts the split-K partials (<see cref="_halfPartials"/>) nor the int8
    /// path's scratch (see <see cref="Int8Scratch"/>).
    /// </summary>
    private ArrayView<T> Scratch<T>(ref IlgpuBuffer<T>? buffer, long length) where T : unmanaged
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = _memory.Allocate<T>(checked((int)Math.Max(length, 1)));
        }
        return buffer.View.SubView(0, length);
    }

    /// <inheritdoc />
    /// <remarks>
    /// fp16 buffers (the fp16 pipeline) go straight to the tensor-core <see cref="FlashAttentionKernel"/> (fp32 softmax,
    /// no <c>[B, H, S, S]</c> buffer), head dims 32 and 64 only. fp32 buffers with <see cref="Precision.Fp16"/> (the mixed
    /// path) at those head dims: Q, K, V to fp16, the same kernel, the context back to fp32. Otherwise the fp32 kernel.
    /// </remarks>
    public void Attention(DeviceBatch batch, IDeviceBuffer qkv, int heads, int headDim, IDeviceBuffer context, Precision precision = Precision.Fp32)
    {
        var seqStarts = Int(batch.SeqStarts, nameof(batch)).View;
        if (qkv is IlgpuBuffer<ushort> || context is IlgpuBuffer<ushort>)
        {
            // The fp16 pipeline: Q, K, V and the context stay fp16 in device memory.
            if (!SupportsHalfAttention(headDim))
                throw new ArgumentException($"fp16 attention runs head dims 32 and 64, not {headDim}; pass fp32 buffers.", nameof(headDim));
            _half.Value.Attention.Launch(_stream, Half(qkv, nameof(qkv)).View, seqStarts, batch.Sequences, batch.TotalTokens,
                batch.MaxSequenceLength, heads, headDim, Half(context, nameof(context)).View);
            return;
        }
        if (precision != Precision.Fp16 || !SupportsHalfAttention(headDim))
        {
            _attention.Launch(_stream, Float(qkv, nameof(qkv)).View, seqStarts, batch.Sequences, batch.TotalTokens, batch.MaxSequenceLength,
                heads, headDim, Float(context, nameof(context)).View);
            return;
        }
        var width = 3 * heads * headDim;
        var qkvHalves = Scratch(ref _halfQkv, (long)batch.TotalTokens * width);
        var contextHalves = Scratch(ref _halfContext, (long)batch.TotalTokens * heads * headDim);
        var kernels = _half.Value;
        kernels.ToHalf.Launch(_stream, Float(qkv, nameof(qkv)).View, batch.TotalTokens, width, width, qkvHalves);
        kernels.Attention.Launch(_stream, qkvHalves, seqStarts, batch.Sequences, batch.TotalTokens, batch.MaxSequenceLength, heads, headDim, contextHalves);
        kernels.FromHalf.Launch(_stream, contextHalves, contextHalves.Length, Float(context, nameof(context)).View);
    }

    /// <inheritdoc />
    public void LayerNorm(IDeviceBuffer x, int rows, int width, IDeviceBuffer gamma, IDeviceBuffer beta, float epsilon, IDeviceBuffer? halfCopy = null) =>
        _layerNorm.Launch(_stream, Float(x, nameof(x)).View, rows, width, Float(gamma, nameof(gamma)).View,
            Float(beta, nameof(beta)).View, epsilon, halves: HalfView(halfCopy, nameof(halfCopy)));

    /// <inheritdoc />
    public void Pool(DeviceBatch batch, IDeviceBuffer hidden, int width, PoolingMode mode, IDeviceBuffer output)
    {
        var reduction = mode switch
        {
            PoolingMode.Cls => PoolReduction.First,
            PoolingMode.Mean => PoolReduction.Mean,
            PoolingMode.Max => PoolReduction.Max,
            _ => throw new ArgumentOutOfRangeException(nameof(mode), $"Unknown pooling mode {mode}."),
        };
        _pool.Launch(_stream, Float(hidden, nameof(hidden)).View, Int(batch.SeqStarts, nameof(batch)).View, batch.Sequences,
            width, reduction, Float(output, nameof(output)).View);
    }

    /// <inheritdoc />
    public void L2Normalize(IDeviceBuffer x, int rows, int width) => _l2.Launch(_stream, Float(x, nameof(x)).View, rows, width);

    /// <summary>
    /// The fp16 path's kernels, compiled on first use: an fp32 run never pays for them (on the CPU emulator the
    /// tensor-core GEMM and attention take seconds to compile), and a device without the path never builds them.
    /// </summary>
    private sealed class HalfKernels(Accelerator accelerator)
    {
        public ToHalfKernel ToHalf { get; } = new(accelerator);

        public FromHalfKernel FromHalf { get; } = new(accelerator);

        public HalfLinearKernel Linear { get; } = new(accelerator);

        public FlashAttentionKernel Attention { get; } = new(accelerator);
    }

    private IlgpuBuffer<float> Float(IDeviceBuffer buffer, string parameter) => IlgpuBuffer<float>.Of(buffer, _memory, parameter);

    private IlgpuBuffer<int> Int(IDeviceBuffer buffer, string parameter) => IlgpuBuffer<int>.Of(buffer, _memory, parameter);

    private IlgpuBuffer<ushort> Half(IDeviceBuffer buffer, string parameter) => IlgpuBuffer<ushort>.Of(buffer, _memory, parameter);

    private ArrayView<ushort>? HalfView(IDeviceBuffer? buffer, string parameter) => buffer is null ? null : Half(buffer, parameter).View;

    private void Copy<T>(IlgpuBuffer<T> buffer, ReadOnlySpan<T> values) where T : unmanaged
    {
        if (values.IsEmpty)
            return;
        buffer.View.CopyFromCPU(_stream, values);
        // The source is caller memory that may be reused or moved as soon as we return; OpenCL queues the copy, so wait.
        _stream.Synchronize();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Synchronize();
        _int8Codes?.Dispose();
        _int8Scales?.Dispose();
        _halfInput?.Dispose();
        _halfQkv?.Dispose();
        _halfContext?.Dispose();
        _halfPartials?.Dispose();
        _memory.Dispose();
        _stream.Dispose();
        if (_ownsAccelerator)
            _accelerator.Dispose();
        _ownedContext?.Dispose();
    }
}
