using Bert.Gpu.Backends.Ilgpu;
using Bert.Gpu.Tests.Kernels;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Families;

/// <summary>
/// The families on the ILGPU kernels (CPU accelerator: the kernels CUDA and OpenCL compile, emulated), against PyTorch's
/// last hidden state: the projection, the shared layers, the tanh GELU and ReLU epilogues, RoBERTa's positions as data.
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class IlgpuFamilyTests(CpuAccelerator cpu)
{
    public static TheoryData<string> Cases => [.. FamilyCheckpoint.Cases];

    [Theory]
    [MemberData(nameof(Cases))]
    public void LastHiddenStateMatchesPyTorch(string name)
    {
        var checkpoint = FamilyCheckpoint.Load(name);
        var model = HuggingFaceModelLoader.Load(checkpoint.Folder);
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        var difference = Reference.MaxAbsDiff(checkpoint.Expected["last_hidden_state"], FamilyOracleTests.LastHiddenState(model, ilgpu, checkpoint.Batch));
        Assert.True(difference <= 1e-4f, $"{name}: max |Δ| = {difference}");
    }
}
