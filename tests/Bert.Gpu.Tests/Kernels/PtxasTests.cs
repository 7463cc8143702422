using System.Text.RegularExpressions;
using Bert.Gpu.Cli.Ptx;
using Bert.Gpu.Kernels.Catalog;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// Every kernel variant of <see cref="KernelCatalog"/> through NVIDIA's own assembler for sm_80 (A100) and sm_90
/// (H100/H200), without a GPU, and its SASS read back, held to the variant's <see cref="SassExpectations"/>: ptxas
/// succeeds, nothing spills, the stack frame is the one allowed, static shared memory fits the 48 KB every launch gets
/// without opting in, HMMA / IMMA / LDSM / LDGSTS appear exactly where expected, and local memory (LDL/STL) nowhere —
/// except around the int8 dp4a GEMM's loop. ILGPU passes an inline-asm <c>out</c> operand by address and ptxas 11.8
/// keeps the stores: a <c>dp4a</c> per product with <c>out</c> put 16 STL into every k-step, which this test caught; the
/// kernel now keeps its accumulators in named PTX registers and reads them out once, after the loop (16 out operands:
/// its 64-byte stack frame), so its loop must be whole k-steps of IDP.4A with no local-memory access among them.
/// </summary>
/// <remarks>
/// Needs <c>ptxas</c> and <c>cuobjdump</c> (CUDA 11.8: Debian non-free's <c>nvidia-cuda-toolkit</c>, unpacked with
/// <c>apt-get download nvidia-cuda-toolkit &amp;&amp; dpkg -x nvidia-cuda-toolkit_*.deb DIR</c>, no install needed) in the
/// folder named by <c>BERT_GPU_CUDA_BIN</c> (e.g. <c>DIR/usr/bin</c>); skipped, saying so, without it. CI's
/// <c>.ci/ptx-lane.sh</c> fetches them and runs these.
/// </remarks>
[Trait("Category", "Kernels")]
public class PtxasTests(ITestOutputHelper output)
{
    /// <summary>The most static shared memory a kernel may declare: more needs an opt-in per launch (and is not portable).</summary>
    private const int MaxSharedBytes = 48 * 1024;

    /// <summary>Every variant × architecture.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var arch in Ptxas.Architectures)
            foreach (var variant in KernelCatalog.All)
                data.Add(variant.Name, arch);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void AssemblesAsTheCatalogExpects(string name, string arch)
    {
        var bin = Environment.GetEnvironmentVariable("BERT_GPU_CUDA_BIN");
        Skip.If(bin is null || !File.Exists(Path.Combine(bin, "ptxas")),
            "BERT_GPU_CUDA_BIN does not name a folder with ptxas and cuobjdump (CUDA 11.8 from Debian's non-free nvidia-cuda-toolkit)");
        var variant = KernelCatalog.All.Single(v => v.Name == name);
        var expect = variant.Sass;
        using var emitter = new PtxEmitter();
        // Assemble throws, with ptxas's message, on any ptxas or cuobjdump error.
        var report = Ptxas.Find(bin).Assemble(emitter.Emit(variant), arch);
        output.WriteLine($"{name} {arch}: {PtxasReport.Flatten(report.Log)}");

        Assert.Equal(0, report.SpillBytes);
        Assert.Equal(expect.StackBytes, report.StackBytes);
        Assert.InRange(report.SharedBytes, 0, MaxSharedBytes);
        AssertPresentExactlyWhenExpected(report, PtxasReport.Hmma, "HMMA", expect.TensorCore == TensorCoreInstruction.Hmma);
        AssertPresentExactlyWhenExpected(report, PtxasReport.Imma, "IMMA", expect.TensorCore == TensorCoreInstruction.Imma);
        AssertPresentExactlyWhenExpected(report, PtxasReport.Ldsm, "LDSM", expect.Ldmatrix);
        AssertPresentExactlyWhenExpected(report, PtxasReport.Ldgsts, "LDGSTS", expect.CpAsync);
        var dp4a = report.Lines(PtxasReport.Dp4a);
        var local = report.Lines(PtxasReport.Local);
        output.WriteLine($"{name} {arch}: {dp4a.Count} IDP.4A, {local.Count} LDL/STL in {report.Instructions} SASS instructions");
        if (expect.Dp4aPerStep == 0)
        {
            Assert.Empty(dp4a);
            Assert.Empty(local);
            return;
        }
        output.WriteLine($"{name} {arch}: LDL/STL {local.Count(i => i < dp4a[0])} before the first IDP.4A, " +
                         $"{local.Count(i => i > dp4a[0] && i < dp4a[^1])} among them, {local.Count(i => i > dp4a[^1])} after the last");
        // ptxas unrolls the k-step loop (by 4, plus a remainder) but never splits a tile's products.
        Assert.True(dp4a.Count > 0 && dp4a.Count % expect.Dp4aPerStep == 0, $"{dp4a.Count} IDP.4A is not a whole number of {expect.Dp4aPerStep}-product k-steps");
        Assert.DoesNotContain(local, i => i > dp4a[0] && i < dp4a[^1]);
    }

    private static void AssertPresentExactlyWhenExpected(PtxasReport report, Regex opcode, string name, bool expected)
    {
        var count = report.Lines(opcode).Count;
        Assert.True(expected == count > 0,
            expected ? $"the catalog expects {name} but the SASS has none" : $"{count} {name} in the SASS: the catalog entry must say it is expected");
    }
}
