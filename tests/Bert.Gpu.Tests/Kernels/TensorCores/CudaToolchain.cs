using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// NVIDIA's assembler and disassembler (CUDA 11.8, from the folder <c>BERT_GPU_CUDA_BIN</c> names) for the tensor-core
/// kernels' checks: ILGPU's PTX through <c>ptxas</c> for a real architecture, its resource report, and the SASS.
/// </summary>
internal static class CudaToolchain
{
    /// <summary>The folder holding ptxas and cuobjdump, or null when there is none (the tests skip, saying so).</summary>
    public static string? Bin =>
        Environment.GetEnvironmentVariable("BERT_GPU_CUDA_BIN") is { } bin && File.Exists(Path.Combine(bin, "ptxas")) ? bin : null;

    /// <summary>Why a test skipped without the tools.</summary>
    public const string Missing = "BERT_GPU_CUDA_BIN does not name a folder with ptxas and cuobjdump (CUDA 11.8 from Debian's non-free nvidia-cuda-toolkit)";

    /// <summary>
    /// Assembles <paramref name="ptx"/> for <paramref name="arch"/> and returns ptxas's <c>-v</c> report and the SASS
    /// lines. ptxas 11.8 reads PTX ISA ≤ 7.8; ILGPU 1.5.3 writes 8.8 but mma, ldmatrix and cp.async need only 7.0.
    /// </summary>
    public static (string Report, string[] Sass) Assemble(string bin, string ptx, string arch)
    {
        var folder = Directory.CreateTempSubdirectory("bert-gpu-tc-");
        try
        {
            var source = Path.Combine(folder.FullName, "kernel.ptx");
            var cubin = Path.Combine(folder.FullName, "kernel.cubin");
            File.WriteAllText(source, Regex.Replace(ptx, @"^\.version \d+\.\d+", ".version 7.8", RegexOptions.Multiline));
            var report = Tool(bin, "ptxas", ["-arch=" + arch, "-v", "--warn-on-spills", "--warn-on-local-memory-usage", "-o", cubin, source]);
            return (report, Tool(bin, "cuobjdump", ["-sass", cubin]).Split('\n'));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Lines of <paramref name="sass"/> whose instruction matches <paramref name="pattern"/>.</summary>
    public static int Count(string[] sass, string pattern) => sass.Count(line => Regex.IsMatch(line, pattern));

    private static string Tool(string bin, string name, string[] arguments)
    {
        var info = new ProcessStartInfo(Path.Combine(bin, name)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{name} did not start");
        var errors = process.StandardError.ReadToEndAsync();
        var text = process.StandardOutput.ReadToEnd() + errors.Result;
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{name} {string.Join(' ', arguments)} exited with {process.ExitCode}: {text}");
        return text;
    }
}
