using Bert.Gpu.Model;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>A linear layer on the device in PyTorch's layout: weight <c>[out, in]</c> row-major, bias <c>[out]</c>.</summary>
internal sealed class IlgpuLinearWeights : ILinearWeights
{
    public IlgpuLinearWeights(DeviceMemory memory, Action<IlgpuBuffer<float>, ReadOnlySpan<float>> upload, FloatTensor weight, FloatTensor bias)
    {
        (OutFeatures, InFeatures) = LinearWeightShape.Of(weight, bias);
        Weight = memory.Allocate<float>(weight.Data.Length);
        Bias = memory.Allocate<float>(bias.Data.Length);
        upload(Weight, weight.Data);
        upload(Bias, bias.Data);
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public IlgpuBuffer<float> Weight { get; }

    public IlgpuBuffer<float> Bias { get; }

    public void Dispose()
    {
        Weight.Dispose();
        Bias.Dispose();
    }
}
