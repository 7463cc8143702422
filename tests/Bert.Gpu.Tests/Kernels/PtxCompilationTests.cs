using System.Reflection;
using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Normalization;
using Bert.Gpu.Kernels.Pooling;
using Bert.Gpu.Kernels.Quantization;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// Every kernel through ILGPU's PTX backend for sm_80, without a GPU: catches constructs the CPU emulator accepts but
/// CUDA code generation rejects (a missing intrinsic, an unsupported BCL call) before a device run is spent on them.
/// </summary>
[Trait("Category", "Kernels")]
public class PtxCompilationTests(ITestOutputHelper output)
{
    /// <summary>Every kernel's launcher: the one list the PTX tests here and in <see cref="PtxasTests"/> cover.</summary>
    internal static readonly Type[] Launchers =
        [typeof(LinearKernel), typeof(AttentionKernel), typeof(LayerNormKernel), typeof(EmbedLayerNormKernel), typeof(PoolKernel), typeof(L2NormalizeKernel),
            typeof(Int8LinearKernel), typeof(QuantizeRowsKernel)];

    public static TheoryData<Type> Kernels => [.. Launchers];

    [Theory]
    [MemberData(nameof(Kernels))]
    public void CompilesForSm80(Type launcher)
    {
        var ptx = Compile(launcher);

        Assert.Contains(".target sm_80", ptx);
        Assert.Contains(".entry", ptx);
        output.WriteLine($"{launcher.Name}: {ptx.Split('\n').Length} lines of PTX, "
            + $"{(ptx.Contains(".local") ? "uses" : "no")} local memory");
    }

    /// <summary>The PTX ILGPU generates for <paramref name="launcher"/>'s kernel on an sm_80 GPU.</summary>
    internal static string Compile(Type launcher)
    {
        // Each launcher keeps its device code in a private static method named Kernel.
        var method = launcher.GetMethod("Kernel", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{launcher.Name} has no static Kernel method.");
        using var context = Context.Create(b => b.EnableAlgorithms());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_80, nvvmAPI: null!); // NVVM only serves libdevice, which the kernels do not use
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(method);
        return ((PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
    }
}
