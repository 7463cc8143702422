using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Backends.Host.Int8;

/// <summary>
/// A linear layer with symmetric per-output-channel int8 weights (<c>w[c, k] ≈ q[c, k]·scale[c]</c>), packed for
/// <see cref="HostInt8Gemm"/>. Output columns go in panels of <see cref="PanelWidth"/>, K in quads of four; each
/// (panel, quad) holds <see cref="Versions"/> copies of its 24 columns × 4 bytes, <c>[version][column][k mod 4]</c>,
/// where version v negates k = 1 (bit 0) and k = 3 (bit 1). The kernel multiplies |x| (7 bits, so <c>vpmaddubsw</c>'s
/// pairs reach at most 2·127·127 = 32,258 and never saturate) by the version whose signs make each pair's two products
/// agree with the activations' signs, and restores the pair's sign in the widening <c>vpmaddwd</c>
/// (<see cref="Int8ActivationPacking"/>). The price is 4 bytes a weight, as much as the fp32 packing. The last panel
/// and K are zero-padded; scales and bias are padded alike.
/// </summary>
internal sealed unsafe class HostInt8LinearWeights : ILinearWeights
{
    /// <summary>Three 8-column vectors: the 4×24 micro-tile's width.</summary>
    public const int PanelWidth = 24;

    /// <summary>Sign patterns of a quad's two pairs: (+, +) or (+, −) each.</summary>
    public const int Versions = 4;

    /// <summary>Bytes of one version of one (panel, quad): 24 columns × 4 k.</summary>
    public const int VersionBytes = PanelWidth * 4;

    /// <summary>Bytes of one (panel, quad).</summary>
    public const int QuadBytes = Versions * VersionBytes;

    /// <summary>
    /// The widest K whose worst-case dot product fits int32: 127·127·K ≤ 2³¹ − 1 for K ≤ 133,144.
    /// </summary>
    public const int MaxInFeatures = int.MaxValue / (127 * 127);

    private const int Alignment = 64;

    private readonly sbyte[] _storage;
    private readonly int _offset;

    /// <param name="weights">Quantized weights <c>[out, in]</c> row-major (PyTorch's Linear layout), in [-127, 127].</param>
    /// <param name="scales">Per output channel, finite.</param>
    /// <param name="bias">Per output channel, fp32.</param>
    /// <param name="outFeatures">N, the output width.</param>
    /// <param name="inFeatures">K, the input width, at most <see cref="MaxInFeatures"/>.</param>
    /// <param name="activations">How the input is quantized; dynamic per token when not given.</param>
    public HostInt8LinearWeights(sbyte[] weights, float[] scales, float[] bias, int outFeatures, int inFeatures,
        ActivationQuantization? activations = null)
    {
        Activations = activations ?? ActivationQuantization.DynamicPerToken;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(inFeatures, MaxInFeatures);
        if (weights.Length != (long)outFeatures * inFeatures)
            throw new ArgumentException($"Expected {outFeatures}×{inFeatures} weights, got {weights.Length}.", nameof(weights));
        if (scales.Length != outFeatures || bias.Length != outFeatures)
            throw new ArgumentException($"Scales ({scales.Length}) and bias ({bias.Length}) must have {outFeatures} values.", nameof(scales));
        // −128 has no negation in int8, and the versions negate.
        if (weights.AsSpan().IndexOf(sbyte.MinValue) is var at and >= 0)
            throw new ArgumentException($"Weight {at} is -128: symmetric int8 weights lie in [-127, 127].", nameof(weights));
        if (Array.FindIndex(scales, s => !float.IsFinite(s)) is var bad and >= 0)
            throw new ArgumentException($"Scale {bad} is {scales[bad]}.", nameof(scales));

        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        Quads = (inFeatures + 3) / 4;
        Panels = (outFeatures + PanelWidth - 1) / PanelWidth;
        // On the pinned object heap, from a 64-byte boundary: a managed array's data starts 8 bytes past one, so half of
        // the kernel's 32-byte weight loads split a cache line (measured: 134 → 153 GOP/s at 72×1536×384 aligned).
        var length = (long)Panels * Quads * QuadBytes;
        _storage = GC.AllocateUninitializedArray<sbyte>(checked((int)length + Alignment - 1), pinned: true);
        fixed (sbyte* start = _storage)
            _offset = (int)((Alignment - (nint)start % Alignment) % Alignment);
        var packed = _storage.AsSpan(_offset, (int)length);
        packed.Clear();
        Scales = new float[Panels * PanelWidth];
        Bias = new float[Panels * PanelWidth];
        scales.CopyTo(Scales, 0);
        bias.CopyTo(Bias, 0);
        for (var c = 0; c < outFeatures; c++)
        {
            var row = weights.AsSpan(c * inFeatures, inFeatures);
            var panel = (long)(c / PanelWidth) * Quads * QuadBytes + c % PanelWidth * 4;
            for (var k = 0; k < inFeatures; k++)
                for (var v = 0; v < Versions; v++)
                {
                    var negated = (k % 4 == 1 && (v & 1) != 0) || (k % 4 == 3 && (v & 2) != 0);
                    packed[(int)(panel + k / 4 * QuadBytes + v * VersionBytes + k % 4)] = (sbyte)(negated ? -row[k] : row[k]);
                }
        }
    }

    /// <summary>Packs an <see cref="Int8Linear"/> layer: its codes, scales, bias and activation quantization.</summary>
    public HostInt8LinearWeights(Int8Linear layer)
        : this(layer.Weight.Values, layer.Weight.Scales, layer.Bias.Data, layer.OutFeatures, layer.InFeatures, layer.Activations)
    {
    }

    /// <summary>How the layer's input is quantized.</summary>
    public ActivationQuantization Activations { get; }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public LinearFormat Format => LinearFormat.Int8;

    /// <summary>K rounded up to quads.</summary>
    public int Quads { get; }

    public int Panels { get; }

    /// <summary>
    /// The packed weights, <c>[panel][quad][version][column][k mod 4]</c>, from a 64-byte boundary; they never move
    /// (pinned object heap), so the address holds as long as this object lives.
    /// </summary>
    public sbyte* Weights
    {
        get
        {
            fixed (sbyte* start = _storage)
                return start + _offset;
        }
    }

    /// <summary>Per-channel weight scales, padded to whole panels.</summary>
    public float[] Scales { get; }

    /// <summary>Bias, padded to whole panels.</summary>
    public float[] Bias { get; }

    public void Dispose()
    {
        // Managed memory: the GC reclaims it.
    }
}
