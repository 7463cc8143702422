using System.Diagnostics;
using System.Text.RegularExpressions;
using Bert.Gpu.Kernels.Gemm;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// Every kernel's PTX through NVIDIA's own assembler for sm_80 (A100) and sm_90 (H100/H200), without a GPU, and its SASS
/// read back: nothing may spill, local memory (LDL/STL) only where the table below allows it, and the int8 GEMM's inner
/// loop must really be <c>IDP.4A</c> with no local-memory access among them. ILGPU passes an inline-asm <c>out</c>
/// operand by address and ptxas 11.8 keeps the stores: a <c>dp4a</c> per product with <c>out</c> put 16 STL into every
/// k-step, which this test caught; the kernel now keeps its accumulators in named PTX registers and reads them out
/// once, after the loop (16 out operands: its 64-byte stack frame). No kernel uses tensor cores yet, so HMMA/IMMA are
/// counted and must be absent: one appearing means the table needs its expectation.
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
    /// <summary>
    /// Every kernel of <see cref="PtxCompilationTests.Kernels"/> × architecture, with its IDP.4A per k-step (0: none
    /// allowed) and its stack frame in bytes: none, except the int8 GEMM's 16 dp4a per k-step (the 4×4 tile) whose 16
    /// ints are read out once.
    /// </summary>
    public static TheoryData<Type, string, int, int> Cases()
    {
        var data = new TheoryData<Type, string, int, int>();
        foreach (var arch in new[] { "sm_80", "sm_90" })
            foreach (var launcher in PtxCompilationTests.Launchers)
                data.Add(launcher, arch, launcher == typeof(Int8LinearKernel) ? 16 : 0, launcher == typeof(Int8LinearKernel) ? 16 * sizeof(int) : 0);
        return data;
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void AssemblesWithoutSpillsOrLocalMemoryInTheLoop(Type launcher, string arch, int dp4aPerStep, int stackBytes)
    {
        var bin = Environment.GetEnvironmentVariable("BERT_GPU_CUDA_BIN");
        Skip.If(bin is null || !File.Exists(Path.Combine(bin, "ptxas")),
            "BERT_GPU_CUDA_BIN does not name a folder with ptxas and cuobjdump (CUDA 11.8 from Debian's non-free nvidia-cuda-toolkit)");
        var folder = Directory.CreateTempSubdirectory("bert-gpu-ptxas-");
        try
        {
            // ptxas 11.8 reads PTX ISA ≤ 7.8; ILGPU 1.5.3 writes 8.8 but these kernels need nothing past 7.0. The PTX
            // targets sm_80; ptxas assembles it for any later architecture.
            var ptx = Regex.Replace(PtxCompilationTests.Compile(launcher), @"^\.version \d+\.\d+", ".version 7.8", RegexOptions.Multiline);
            var source = Path.Combine(folder.FullName, "kernel.ptx");
            var cubin = Path.Combine(folder.FullName, "kernel.cubin");
            File.WriteAllText(source, ptx);
            var report = Run(bin!, "ptxas", $"-arch={arch} -v --warn-on-spills -o {cubin} {source}");
            var sass = Run(bin!, "cuobjdump", $"-sass {cubin}").Split('\n');
            output.WriteLine($"{launcher.Name} {arch}: {Regex.Replace(report.Trim(), @"\s+", " ")}");

            var frame = Regex.Match(report, @"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads");
            Assert.True(frame.Success, report);
            Assert.Equal("0", frame.Groups[2].Value);
            Assert.Equal("0", frame.Groups[3].Value);
            Assert.Equal(stackBytes, int.Parse(frame.Groups[1].Value));
            List<int> Lines(string pattern) => sass.Select((line, i) => (line, i)).Where(x => Regex.IsMatch(x.line, pattern)).Select(x => x.i).ToList();
            var dp4a = Lines(@"\bIDP\.4A");
            var local = Lines(@"\b(LDL|STL)\b");
            var tensor = Lines(@"\b(HMMA|IMMA)\b");
            output.WriteLine($"{launcher.Name} {arch}: {dp4a.Count} IDP.4A, {local.Count} LDL/STL, {tensor.Count} HMMA/IMMA in {sass.Length} lines of SASS");
            Assert.Empty(tensor);
            if (dp4aPerStep == 0)
            {
                Assert.Empty(dp4a);
                Assert.Empty(local);
                return;
            }
            output.WriteLine($"{launcher.Name} {arch}: LDL/STL {local.Count(i => i < dp4a[0])} before the first IDP.4A, " +
                             $"{local.Count(i => i > dp4a[0] && i < dp4a[^1])} among them, {local.Count(i => i > dp4a[^1])} after the last");
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
