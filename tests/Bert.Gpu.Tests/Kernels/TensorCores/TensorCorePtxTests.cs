using System.Text.RegularExpressions;
using Bert.Gpu.Kernels.Catalog;
using Bert.Gpu.Kernels.Gemm;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The tensor-core GEMMs' CUDA paths in ILGPU's PTX, without a GPU: the guarded asm is really there, the shared tile the
/// asm names (<c>__shared_alloca0</c>) is ILGPU's one allocation, 16-byte aligned and as large as the tilings need, and
/// nothing lives in <c>.local</c>. What ptxas makes of it (HMMA / IMMA, LDSM, LDGSTS, no spill, no stack, no LDL/STL,
/// shared memory within 48 KB) is the catalog's row, checked by PtxasTests.
/// </summary>
[Trait("Category", "Kernels")]
public class TensorCorePtxTests(ITestOutputHelper output)
{
    public static TheoryData<Type, string> Kernels => new()
    {
        { typeof(HalfLinearKernel), "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32" },
        { typeof(Int8TensorLinearKernel), "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32" },
    };

    [Theory]
    [MemberData(nameof(Kernels))]
    public void PtxHoldsTheTensorCorePathInNamedRegisters(Type launcher, string mma)
    {
        using var emitter = new PtxEmitter();
        var ptx = emitter.Emit(KernelCatalog.All.Single(v => v.Launcher == launcher));
        Assert.Contains(mma, ptx);
        Assert.Contains("ldmatrix.sync.aligned.m8n8.x4.shared.b16", ptx);
        Assert.Contains("cp.async.cg.shared.global", ptx);
        Assert.Contains("cp.async.wait_group 1;", ptx);
        // The asm takes its base from __shared_alloca0: it must be the kernel's only shared allocation, aligned for cp.async.
        Assert.Equal([".shared .align 16 .b8 __shared_alloca0[" + TensorCoreTiling.MaxSharedBytes + "];"],
            Regex.Matches(ptx, @"\.shared \.align \d+ \.b8 \w+\[\d+\];").Select(m => m.Value));
        Assert.DoesNotContain(".local", ptx);
        output.WriteLine($"{launcher.Name}: {ptx.Split('\n').Length} lines of PTX");
    }
}
