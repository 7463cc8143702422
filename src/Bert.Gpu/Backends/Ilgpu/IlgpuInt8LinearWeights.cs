using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Quantization.Activations;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>
/// An int8 linear layer on the device: the weight codes packed four to a 32-bit word (<see cref="Int8Packing"/>, the
/// input dimension zero-padded to a multiple of 4), one scale per output channel, the fp32 bias, and how the input
/// is quantized before the GEMM.
/// </summary>
internal sealed class IlgpuInt8LinearWeights : ILinearWeights
{
    public IlgpuInt8LinearWeights(DeviceMemory memory, Action<IlgpuBuffer<int>, ReadOnlySpan<int>> uploadInts,
        Action<IlgpuBuffer<float>, ReadOnlySpan<float>> uploadFloats, Int8Linear layer)
    {
        (OutFeatures, InFeatures) = (layer.OutFeatures, layer.InFeatures);
        Activations = layer.Activations;
        var words = Int8Packing.PackRows(layer.Weight.Values, OutFeatures, InFeatures);
        Words = memory.Allocate<int>(words.Length);
        Scales = memory.Allocate<float>(OutFeatures);
        Bias = memory.Allocate<float>(OutFeatures);
        uploadInts(Words, words);
        uploadFloats(Scales, layer.Weight.Scales);
        uploadFloats(Bias, layer.Bias.Data);
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public LinearFormat Format => LinearFormat.Int8;

    /// <summary>How the input is quantized: a static scale, or per token.</summary>
    public ActivationQuantization Activations { get; }

    /// <summary>Weight codes <c>[out, Int8Packing.Words(in)]</c>.</summary>
    public IlgpuBuffer<int> Words { get; }

    /// <summary>Per-output-channel scales <c>[out]</c>.</summary>
    public IlgpuBuffer<float> Scales { get; }

    /// <summary>Bias <c>[out]</c>.</summary>
    public IlgpuBuffer<float> Bias { get; }

    public void Dispose()
    {
        Words.Dispose();
        Scales.Dispose();
        Bias.Dispose();
    }
}
