namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>
/// An fp16 linear layer on the device: the weight's fp16 bits <c>[out, PaddedInFeatures]</c> (input dimension
/// zero-padded to a multiple of 8 for the tensor-core GEMM, <see cref="Fp16Linear"/>) and the fp32 bias: half the bytes
/// of <see cref="IlgpuLinearWeights"/>'s weight.
/// </summary>
internal sealed class IlgpuHalfLinearWeights : ILinearWeights
{
    public IlgpuHalfLinearWeights(DeviceMemory memory, Action<IlgpuBuffer<ushort>, ReadOnlySpan<ushort>> uploadHalves,
        Action<IlgpuBuffer<float>, ReadOnlySpan<float>> uploadFloats, Fp16Linear layer)
    {
        (OutFeatures, InFeatures, PaddedInFeatures) = (layer.OutFeatures, layer.InFeatures, layer.PaddedInFeatures);
        Weight = memory.Allocate<ushort>(layer.Weight.Length);
        Bias = memory.Allocate<float>(layer.Bias.Data.Length);
        uploadHalves(Weight, layer.Weight);
        uploadFloats(Bias, layer.Bias.Data);
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    /// <summary>The GEMM's K: <see cref="InFeatures"/> rounded up to a multiple of 8.</summary>
    public int PaddedInFeatures { get; }

    public LinearFormat Format => LinearFormat.Fp16;

    /// <summary>Weight fp16 bits <c>[out, PaddedInFeatures]</c>.</summary>
    public IlgpuBuffer<ushort> Weight { get; }

    /// <summary>Bias <c>[out]</c>.</summary>
    public IlgpuBuffer<float> Bias { get; }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
    }
}
