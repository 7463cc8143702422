using System.Diagnostics;
using System.Text.RegularExpressions;
using Bert.Gpu.Kernels.Gemm;
using Bert.Gpu.Kernels.Quantization;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// The int8 kernels' PTX through NVIDIA's own assembler for sm_80, without a GPU: the GEMM's inner loop must really be
/// <c>IDP.4A</c> instructions (the guarded <c>dp4a</c> survived ILGPU's code generation) with no local-memory access
/// among them, and nothing may spill. ILGPU passes an inline-asm <c>out</c> operand by address and ptxas 11.8 keeps the
/// stores: a <c>dp4a</c> per product with <c>out</c> put 16 STL into every k-step, which this test caught; the kernel
/// now keeps its accumulators in named PTX registers and reads them out once, after the loop (16 out operands, the
/// 64-byte stack frame allowed below).
/// </summary>
/// <remarks>
/// Needs <c>ptxas</c> and <c>cuobjdump</c> (CUDA 11.8: Debian non-free's <c>nvidia-cuda-toolkit</c>, unpacked with
/// <c>apt-get download nvidia-cuda-toolkit &amp;&amp; dpkg -x nvidia-cuda-toolkit_*.deb DIR</c>, no install needed) in the
/// folder named by <c>BERT_GPU_CUDA_BIN</c> (e.g. <c>DIR/usr/bin</c>); skipped, saying so, without it.
/// </remarks>
[Trait("Category", "Kernels")]
public class Int8PtxasTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData(typeof(Int8LinearKernel), 16, 16 * sizeof(int))] // 16 dp4a per k-step (the 4×4 tile); 16 ints read out once
    [InlineData(typeof(QuantizeRowsKernel), 0, 0)]
    public void AssemblesForSm80WithoutLocalMemoryInTheLoop(Type launcher, int dp4aPerStep, int stackBytes)
    {
        var bin = Environment.GetEnvironmentVariable("BERT_GPU_CUDA_BIN");
        Skip.If(bin is null || !File.Exists(Path.Combine(bin, "ptxas")),
            "BERT_GPU_CUDA_BIN does not name a folder with ptxas and cuobjdump (CUDA 11.8 from Debian's non-free nvidia-cuda-toolkit)");
        var folder = Directory.CreateTempSubdirectory("bert-gpu-ptxas-");
        try
        {
            // ptxas 11.8 reads PTX ISA ≤ 7.8; ILGPU 1.5.3 writes 8.8 but these kernels need nothing past 5.0 (dp4a).
            var ptx = Regex.Replace(PtxCompilationTests.Compile(launcher), @"^\.version \d+\.\d+", ".version 7.8", RegexOptions.Multiline);
            var source = Path.Combine(folder.FullName, "kernel.ptx");
            var cubin = Path.Combine(folder.FullName, "kernel.cubin");
            File.WriteAllText(source, ptx);
            var report = Run(bin!, "ptxas", $"-arch=sm_80 -v --warn-on-spills -o {cubin} {source}");
            var sass = Run(bin!, "cuobjdump", $"-sass {cubin}").Split('\n');
            output.WriteLine($"{launcher.Name}: {report.Trim()}");

            var frame = Regex.Match(report, @"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads");
            Assert.True(frame.Success, report);
            Assert.Equal("0", frame.Groups[2].Value);
            Assert.Equal("0", frame.Groups[3].Value);
            Assert.Equal(stackBytes, int.Parse(frame.Groups[1].Value));
            var dp4a = sass.Select((line, i) => (line, i)).Where(x => x.line.Contains("IDP.4A")).Select(x => x.i).ToList();
            var local = sass.Select((line, i) => (line, i)).Where(x => Regex.IsMatch(x.line, @"\b(LDL|STL)\b")).Select(x => x.i).ToList();
            output.WriteLine($"{launcher.Name}: {dp4a.Count} IDP.4A, {local.Count} LDL/STL in {sass.Length} lines of SASS");
            if (dp4aPerStep == 0)
            {
                Assert.Empty(dp4a);
                Assert.Empty(local);
                return;
            }
            // ptxas unrolls the k-step loop (by 4, plus a remainder) but never splits a tile's 16 products.
            Assert.True(dp4a.Count > 0 && dp4a.Count % dp4aPerStep == 0, $"{dp4a.Count} IDP.4A is not a whole number of {dp4aPerStep}-product k-steps");
            Assert.DoesNotContain(local, i => i > dp4a[0] && i < dp4a[^1]);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Runs a CUDA tool and returns what it wrote (ptxas reports on stderr), failing on a non-zero exit.</summary>
    private static string Run(string bin, string tool, string arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(bin, tool), arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var text = stdout.Result + stderr;
        Assert.True(process.ExitCode == 0, $"{tool} {arguments} exited with {process.ExitCode}: {text}");
        return text;
    }
}
