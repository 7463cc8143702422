using Bert.Gpu.Kernels.Catalog;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// Every kernel variant of <see cref="KernelCatalog"/> through ILGPU's PTX backend for sm_80, without a GPU: catches
/// constructs the CPU emulator accepts but CUDA code generation rejects (a missing intrinsic, an unsupported BCL call)
/// before a device run is spent on them.
/// </summary>
[Trait("Category", "Kernels")]
public class PtxCompilationTests(ITestOutputHelper output)
{
    /// <summary>Every variant's name: the PTX tests here and in <see cref="PtxasTests"/> run over the catalog.</summary>
    public static TheoryData<string> Variants => [.. KernelCatalog.All.Select(v => v.Name)];

    [Theory]
    [MemberData(nameof(Variants))]
    public void CompilesForSm80(string name)
    {
        using var emitter = new PtxEmitter();
        var ptx = emitter.Emit(KernelCatalog.All.Single(v => v.Name == name));

        Assert.Contains(".target sm_80", ptx);
        Assert.Contains(".entry", ptx);
        output.WriteLine($"{name}: {ptx.Split('\n').Length} lines of PTX, {(ptx.Contains(".local") ? "uses" : "no")} local memory");
    }

    [Fact]
    public void TheIsaRewrite_ChangesTheVersionLineOnly()
    {
        using var emitter = new PtxEmitter();
        var ptx = emitter.Emit(KernelCatalog.All[0]);

        var rewritten = PtxEmitter.WithIsaVersion(ptx, "7.8");

        Assert.Contains("\n.version 8.0\n", ptx);
        Assert.Equal(ptx.Replace("\n.version 8.0\n", "\n.version 7.8\n"), rewritten);
        Assert.Throws<ArgumentException>("isa", () => PtxEmitter.WithIsaVersion(ptx, "7"));
    }
}
