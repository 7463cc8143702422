using System.Diagnostics;
using System.Text.RegularExpressions;
using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Tests.Support;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The tensor-core attention's PTX, without a GPU: ILGPU's sm_80 code generation accepts the inline asm, and NVIDIA's
/// ptxas (CUDA 11.8) assembles it for sm_80 and sm_90 with no spills, no stack frame, no local memory (LDL/STL) in the
/// SASS, static shared memory within the 48 KB ILGPU can give a group, and the instructions the design rests on:
/// HMMA (mma.sync), LDSM (ldmatrix) and LDGSTS (cp.async).
/// </summary>
/// <remarks>ptxas and cuobjdump come from the folder named by <c>BERT_GPU_CUDA_BIN</c>; skipped, saying so, without it.</remarks>
[Trait("Category", "Kernels")]
public class FlashAttentionPtxasTests(ITestOutputHelper output)
{
    [Fact]
    public void TheGeneratedPtxIsCurrent()
    {
        var path = System.IO.Path.Combine(RepoPaths.Root, FlashAttentionPtxGenerator.Path);
        var source = FlashAttentionPtxGenerator.Source();
        if (Environment.GetEnvironmentVariable("BERT_GPU_WRITE_PTX") == "1")
            File.WriteAllText(path, source);
        Assert.True(File.ReadAllText(path) == source, $"{FlashAttentionPtxGenerator.Path} is stale: run this test with BERT_GPU_WRITE_PTX=1");
    }

    [Fact]
    public void CompilesForSm80WithTheTensorCoreInstructions()
    {
        var ptx = PtxCompilationTests.Compile(typeof(FlashAttentionKernel));
        Assert.Contains(".target sm_80", ptx);
        Assert.Contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", ptx);
        Assert.Contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16", ptx);
        Assert.Contains("cp.async.cg.shared.global", ptx);
        output.WriteLine($"{ptx.Split('\n').Length} lines of PTX");
    }

    [SkippableTheory]
    [InlineData("sm_80")]
    [InlineData("sm_90")]
    public void PtxasAssemblesWithoutSpillsStackOrLocalMemory(string arch)
    {
        var bin = Environment.GetEnvironmentVariable("BERT_GPU_CUDA_BIN");
        Skip.If(bin is null || !File.Exists(Path.Combine(bin, "ptxas")), "BERT_GPU_CUDA_BIN does not name a folder with ptxas and cuobjdump (CUDA 11.8)");
        var folder = Directory.CreateTempSubdirectory("bert-gpu-flash-");
        try
        {
            // ptxas 11.8 reads PTX ISA ≤ 7.8; ILGPU writes 8.8, and nothing here needs more than 7.0.
            var source = Path.Combine(folder.FullName, "flash.ptx");
            var cubin = Path.Combine(folder.FullName, "flash.cubin");
            File.WriteAllText(source, Regex.Replace(PtxCompilationTests.Compile(typeof(FlashAttentionKernel)), @"^\.version \d+\.\d+", ".version 7.8", RegexOptions.Multiline));
            var report = Tool(bin!, "ptxas", $"-arch={arch} -v --warn-on-spills --warn-on-local-memory-usage -o {cubin} {source}");
            var sass = Tool(bin!, "cuobjdump", $"-sass {cubin}");
            int Count(string pattern) => Regex.Matches(sass, pattern).Count;
            var (hmma, ldsm, ldgsts, local) = (Count(@"\bHMMA\.16816\.F32\b"), Count(@"\bLDSM\b"), Count(@"\bLDGSTS\b"), Count(@"\b(LDL|STL)\b"));
            output.WriteLine($"{arch}: {Regex.Replace(report.Trim(), @"\s+", " ")}");
            output.WriteLine($"{arch}: {hmma} HMMA.16816.F32, {ldsm} LDSM, {ldgsts} LDGSTS, {local} LDL/STL");

            var frame = Regex.Match(report, @"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads");
            Assert.True(frame.Success, report);
            Assert.Equal(("0", "0", "0"), (frame.Groups[1].Value, frame.Groups[2].Value, frame.Groups[3].Value));
            var shared = Regex.Match(report, @"(\d+) bytes smem");
            Assert.True(shared.Success && int.Parse(shared.Groups[1].Value) <= 48 * 1024, report);
            // Per key block: 8 n8 tiles × d/16 k-steps of Q·Kᵀ plus d/8 tiles × 4 k-steps of P·V, 32 + 32 at head dim 64
            // and 16 + 16 at 32; ptxas keeps both specializations.
            Assert.Equal(64 + 32, hmma);
            Assert.True(ldsm > 0 && ldgsts > 0, $"{ldsm} LDSM, {ldgsts} LDGSTS");
            Assert.Equal(0, local);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>What a CUDA tool wrote to stdout and stderr (ptxas reports on stderr); fails on a non-zero exit.</summary>
    private static string Tool(string bin, string name, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(Path.Combine(bin, name), arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var errors = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd() + errors.Result;
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{name} {arguments}: exit {process.ExitCode}: {text}");
        return text;
    }
}
