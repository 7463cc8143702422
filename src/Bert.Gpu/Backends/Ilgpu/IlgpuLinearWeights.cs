using Bert.Gpu.Model;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>A linear layer on the device in PyTorch's layout: weight <c>[out, in]</c> row-major, bias <c>[out]</c>.</summary>
internal sealed class IlgpuLinearWeights : ILinearWeights
{
    public IlgpuLinearWeights(DeviceMemory memory, Action<IlgpuBuffer<float>, ReadOnlySpan<float>> upload, FloatTensor weight, FloatTensor bias)
    {
        if (weight.Shape.Length != 2)
            throw new ArgumentException($"A linear weight must be [out, in], got {weight.ShapeText}.", nameof(weight));
        OutFeatures = weight.Shape[0];
        InFeatures = weight.Shape[1];
        if (!bias.HasShape(OutFeatures))
            throw new ArgumentException($"Bias {bias.ShapeText} does not match weight {weight.ShapeText}.", nameof(bias));
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
