using Bert.Gpu.Model;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>A linear layer on the device in PyTorch's layout: weight <c>[out, in]</c> row-major, bias <c>[out]</c>.</summary>
internal sealed class IlgpuLinearWeights : ILinearWeights
{
    public IlgpuLinearWeights(DeviceMemory memory, Action<IlgpuBuffer<float>, ReadOnlySpan<float>> upload, Fp32Linear layer)
    {
        (OutFeatures, InFeatures) = (layer.OutFeatures, layer.InFeatures);
        Weight = memory.Allocate<float>(layer.Weight.Data.Length);
        Bias = memory.Allocate<float>(layer.Bias.Data.Length);
        upload(Weight, layer.Weight.Data);
        upload(Bias, layer.Bias.Data);
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public LinearFormat Format => LinearFormat.Fp32;

    public IlgpuBuffer<float> Weight { get; }

    public IlgpuBuffer<float> Bias { get; }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
    }
}
