using System.Text.RegularExpressions;
using Bert.Gpu.Kernels.Gemm;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The tensor-core GEMMs' CUDA paths without a GPU: ILGPU's PTX (the guarded asm is really there, the shared tile the
/// asm names is ILGPU's one 16-byte-aligned allocation, nothing in <c>.local</c>), then ptxas for sm_80 and sm_90 and
/// the SASS: HMMA (fp16) or IMMA (int8), LDSM and LDGSTS present; no spill, no stack frame, no LDL/STL; shared memory
/// within 48 KB.
/// </summary>
[Trait("Category", "Kernels")]
public class TensorCorePtxTests(ITestOutputHelper output)
{
    private static readonly Dictionary<Type, string> Ptx = [];

    /// <summary>Each kernel with its mma instruction and the SASS that instruction becomes.</summary>
    private static readonly (Type Launcher, string Mma, string Sass)[] Cases =
    [
        (typeof(HalfLinearKernel), "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", @"\bHMMA\.16816\.F32\b"),
        (typeof(Int8TensorLinearKernel), "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32", @"\bIMMA\.16832\.S8\.S8\b"),
    ];

    public static TheoryData<Type, string> Kernels()
    {
        var data = new TheoryData<Type, string>();
        foreach (var (launcher, mma, _) in Cases)
            data.Add(launcher, mma);
        return data;
    }

    public static TheoryData<Type, string, string> KernelsByArchitecture()
    {
        var data = new TheoryData<Type, string, string>();
        foreach (var arch in new[] { "sm_80", "sm_90" })
            foreach (var (launcher, _, sass) in Cases)
                data.Add(launcher, arch, sass);
        return data;
    }

    private static string PtxOf(Type launcher)
    {
        lock (Ptx)
            return Ptx.TryGetValue(launcher, out var ptx) ? ptx : Ptx[launcher] = PtxCompilationTests.Compile(launcher);
    }

    [Theory]
    [MemberData(nameof(Kernels))]
    public void PtxHoldsTheTensorCorePathInNamedRegisters(Type launcher, string mma)
    {
        var ptx = PtxOf(launcher);
        Assert.Contains(mma, ptx);
        Assert.Contains("ldmatrix.sync.aligned.m8n8.x4.shared.b16", ptx);
        Assert.Contains("cp.async.cg.shared.global", ptx);
        Assert.Contains("cp.async.wait_group 1;", ptx);
        // HalfLinearPtx takes its base from __shared_alloca0: it must be the kernel's only shared allocation, aligned for cp.async.
        Assert.Equal([".shared .align 16 .b8 __shared_alloca0[" + TensorCoreTiling.MaxSharedBytes + "];"],
            Regex.Matches(ptx, @"\.shared \.align \d+ \.b8 \w+\[\d+\];").Select(m => m.Value));
        Assert.DoesNotContain(".local", ptx);
        output.WriteLine($"{launcher.Name}: {ptx.Split('\n').Length} lines of PTX");
    }

    [SkippableTheory]
    [MemberData(nameof(KernelsByArchitecture))]
    public void PtxasAssemblesItWithoutLocalMemory(Type launcher, string arch, string mmaSass)
    {
        Skip.If(CudaToolchain.Bin is null, CudaToolchain.Missing);
        var (report, sass) = CudaToolchain.Assemble(CudaToolchain.Bin!, PtxOf(launcher), arch);
        var hmma = CudaToolchain.Count(sass, mmaSass);
        var ldsm = CudaToolchain.Count(sass, @"\bLDSM\.16\.M88\.4\b");
        var ldgsts = CudaToolchain.Count(sass, @"\bLDGSTS\b");
        var local = CudaToolchain.Count(sass, @"\b(LDL|STL)\b");
        output.WriteLine($"{launcher.Name} {arch}: {Regex.Replace(report.Trim(), @"\s+", " ")}");
        output.WriteLine($"{launcher.Name} {arch}: {hmma} HMMA/IMMA, {ldsm} LDSM.16.M88.4, {ldgsts} LDGSTS, {local} LDL/STL in {sass.Length} lines of SASS");

        var frame = Regex.Match(report, @"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads");
        Assert.True(frame.Success, report);
        Assert.Equal(["0", "0", "0"], frame.Groups.Values.Skip(1).Select(g => g.Value));
        var smem = Regex.Match(report, @"(\d+) bytes smem");
        Assert.True(smem.Success, report);
        Assert.InRange(int.Parse(smem.Groups[1].Value), 1, 48 * 1024);
        // Each k-step issues 16 mma and 8 ldmatrix (two k16 halves of 8 and 4); ptxas may unroll, never split one.
        Assert.True(hmma > 0 && hmma % 16 == 0, $"{hmma} HMMA/IMMA is not a whole number of 16-mma k-steps");
        Assert.True(ldsm > 0 && ldsm % 8 == 0, $"{ldsm} LDSM is not a whole number of 8-ldmatrix k-steps");
        Assert.True(ldgsts > 0);
        Assert.Equal(0, local);
    }
}
