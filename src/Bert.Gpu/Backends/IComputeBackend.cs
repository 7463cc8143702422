using Bert.Gpu.Model;

namespace Bert.Gpu.Backends;

/// <summary>
/// The operations a BERT encoder is made of, over a packed padding-free batch, on one device. The encoder is
/// written once against this interface; the host (SIMD) backend and the ILGPU backend implement it.
/// Hidden states are row-major <c>[TotalTokens, hidden]</c> fp32 buffers; where the backend runs fp16 layers the encoder
/// also keeps GEMM and attention operands in fp16 buffers (<see cref="AllocateHalf"/>) between operations. Operations may
/// run asynchronously; <see cref="Download"/> waits for them.
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>What runs the operations, e.g. <c>host (2 threads, AVX2)</c>, for logs and stats.</summary>
    string DeviceName { get; }

    /// <summary>Allocates an uninitialised fp32 buffer of <paramref name="length"/> elements.</summary>
    IDeviceBuffer Allocate(int length);

    /// <summary>
    /// Allocates an uninitialised buffer of <paramref name="length"/> fp16 values (IEEE binary16 bit patterns): activations
    /// of the fp16 pipeline, which only <see cref="Linear"/> with fp16 weights, <see cref="Attention"/> (where
    /// <see cref="SupportsHalfAttention"/>) and the <c>halfCopy</c> outputs take.
    /// </summary>
    /// <exception cref="NotSupportedException">The backend has no fp16 path (<see cref="Supports"/> refuses <see cref="LinearFormat.Fp16"/>).</exception>
    IDeviceBuffer AllocateHalf(int length);

    /// <summary>Copies fp32 values to a new buffer.</summary>
    IDeviceBuffer Upload(ReadOnlySpan<float> values);

    /// <summary>Copies int32 values to a new buffer.</summary>
    IDeviceBuffer Upload(ReadOnlySpan<int> values);

    /// <summary>Whether this backend runs linear layers in <paramref name="format"/>.</summary>
    bool Supports(LinearFormat format);

    /// <summary>What <see cref="Precision.Auto"/> means here: <see cref="Precision.Fp16"/> where it is the fast path, else <see cref="Precision.Fp32"/>.</summary>
    Precision AutoPrecision { get; }

    /// <summary>Whether <see cref="Attention"/> runs on fp16 buffers (<see cref="AllocateHalf"/>) for heads of <paramref name="headDim"/>.</summary>
    bool SupportsHalfAttention(int headDim);

    /// <summary>Uploads a linear layer in its format (which <see cref="Supports"/> must accept).</summary>
    /// <exception cref="NotSupportedException">The backend does not run that format.</exception>
    ILinearWeights UploadLinear(LinearLayer layer);

    /// <summary>Copies the first <c>destination.Length</c> values of an fp32 buffer back, after all queued work.</summary>
    void Download(IDeviceBuffer source, Span<float> destination);

    /// <summary>
    /// <c>output[t] = LayerNorm(word[ids[t]] + position[posIds[t]] + type[typeIds[t]])</c> for every row; the rows also
    /// go to <paramref name="halfCopy"/> as fp16 when it is given (an <see cref="AllocateHalf"/> buffer).
    /// </summary>
    void EmbedLayerNorm(DeviceBatch batch, IDeviceBuffer wordEmbeddings, IDeviceBuffer positionEmbeddings,
        IDeviceBuffer typeEmbeddings, IDeviceBuffer gamma, IDeviceBuffer beta, int hidden, float epsilon, IDeviceBuffer output,
        IDeviceBuffer? halfCopy = null);

    /// <summary>
    /// <c>y = act(x·Wᵀ + b) (+ residual)</c> with <c>x [rows, in]</c>, <c>y</c> and <c>residual [rows, out]</c>; the
    /// residual (fp32) may be <paramref name="y"/> itself. With fp16 weights <paramref name="x"/> and <paramref name="y"/>
    /// may be fp16 buffers (<see cref="AllocateHalf"/>; then the widths must be multiples of 8, the weights' K padding),
    /// and an fp32 <paramref name="y"/> may be copied as fp16 to <paramref name="halfCopy"/>.
    /// </summary>
    void Linear(IDeviceBuffer x, int rows, ILinearWeights weights, Activation activation, IDeviceBuffer? residual, IDeviceBuffer y,
        IDeviceBuffer? halfCopy = null);

    /// <summary>
    /// Multi-head self-attention within each sequence of <paramref name="batch"/>. <paramref name="qkv"/> holds rows
    /// <c>[q | k | v]</c> of width <c>3·heads·headDim</c>; <paramref name="context"/> gets <c>softmax(q·kᵀ/√d)·v</c>,
    /// heads side by side, width <c>heads·headDim</c>. With <see cref="Precision.Fp16"/> (only where
    /// <see cref="Supports"/> admits <see cref="LinearFormat.Fp16"/>) a backend may run it on fp16 inputs with fp32 softmax;
    /// given fp16 buffers (where <see cref="SupportsHalfAttention"/>) it reads and writes fp16 whatever the precision.
    /// </summary>
    void Attention(DeviceBatch batch, IDeviceBuffer qkv, int heads, int headDim, IDeviceBuffer context, Precision precision = Precision.Fp32);

    /// <summary>
    /// In-place LayerNorm of each fp32 row of <paramref name="x"/> <c>[rows, width]</c> (fp32 statistics); the rows also
    /// go to <paramref name="halfCopy"/> as fp16 when it is given (an <see cref="AllocateHalf"/> buffer).
    /// </summary>
    void LayerNorm(IDeviceBuffer x, int rows, int width, IDeviceBuffer gamma, IDeviceBuffer beta, float epsilon, IDeviceBuffer? halfCopy = null);

    /// <summary>One row per sequence: its first row, the mean or the maximum of its rows.</summary>
    void Pool(DeviceBatch batch, IDeviceBuffer hidden, int width, PoolingMode mode, IDeviceBuffer output);

    /// <summary>Scales each row of <paramref name="x"/> <c>[rows, width]</c> to unit L2 norm (zero rows stay zero).</summary>
    void L2Normalize(IDeviceBuffer x, int rows, int width);
}
