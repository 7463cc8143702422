using System.Diagnostics;
using Bert.Gpu.Kernels.Catalog;

namespace Bert.Gpu.Cli.Ptx;

/// <summary>
/// NVIDIA's assembler and disassembler (ptxas, cuobjdump; CUDA 11.8 or later) in one folder: assembles a kernel's PTX
/// for an architecture and reads back what ptxas reported and the SASS it made. Needs no GPU.
/// </summary>
internal sealed class Ptxas
{
    /// <summary>
    /// The PTX ISA the PTX is rewritten to before ptxas reads it: ptxas 11.8 reads at most 7.8 and ILGPU writes 8.0 for
    /// sm_80; later ptxas read 7.8 too, so one value serves every version.
    /// </summary>
    public const string Isa = "7.8";

    /// <summary>The GPUs checked: A100 (sm_80) and H100/H200 (sm_90); ILGPU's sm_80 PTX assembles for both.</summary>
    public static IReadOnlyList<string> Architectures { get; } = ["sm_80", "sm_90"];

    private readonly string _bin;

    private Ptxas(string bin) => _bin = bin;

    /// <summary>The tools in <paramref name="bin"/>, or in the folder <c>BERT_GPU_CUDA_BIN</c> names when it is null.</summary>
    /// <exception cref="CliException">Neither names a folder holding both tools.</exception>
    public static Ptxas Find(string? bin)
    {
        var folder = bin ?? Environment.GetEnvironmentVariable("BERT_GPU_CUDA_BIN");
        if (folder is null)
            throw new CliException("ptxas: name the folder holding ptxas and cuobjdump (CUDA 11.8 or later) with --cuda-bin DIR or BERT_GPU_CUDA_BIN.");
        foreach (var tool in new[] { "ptxas", "cuobjdump" })
            if (!File.Exists(Path.Combine(folder, tool)))
                throw new CliException($"{Path.Combine(folder, tool)}: not found; --cuda-bin (or BERT_GPU_CUDA_BIN) must name the folder holding ptxas and cuobjdump.");
        return new Ptxas(folder);
    }

    /// <summary>ptxas's version line, e.g. <c>Cuda compilation tools, release 11.8, V11.8.89</c>.</summary>
    public string Version()
    {
        var lines = Run("ptxas", ["--version"]).Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return lines.FirstOrDefault(l => l.Contains("release", StringComparison.Ordinal)) ?? lines[^1];
    }

    /// <summary>Assembles <paramref name="ptx"/> (as ILGPU wrote it) for <paramref name="arch"/> and disassembles the result.</summary>
    /// <exception cref="CliException">ptxas or cuobjdump failed; the message holds what it said.</exception>
    public PtxasReport Assemble(string ptx, string arch)
    {
        var folder = Directory.CreateTempSubdirectory("bert-gpu-ptxas-");
        try
        {
            var source = Path.Combine(folder.FullName, "kernel.ptx");
            var cubin = Path.Combine(folder.FullName, "kernel.cubin");
            File.WriteAllText(source, PtxEmitter.WithIsaVersion(ptx, Isa));
            var log = Run("ptxas", [$"-arch={arch}", "-v", "--warn-on-spills", "--warn-on-local-memory-usage", "-o", cubin, source]);
            return PtxasReport.Parse(log, Run("cuobjdump", ["-sass", cubin]).Split('\n'));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Runs a tool and returns what it wrote (ptxas reports on stderr), failing on a non-zero exit.</summary>
    private string Run(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(_bin, tool)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        // Both pipes are drained at once: a tool that fills one while we wait on the other would never exit.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        var text = stdout.GetAwaiter().GetResult() + stderr;
        if (process.ExitCode != 0)
            throw new CliException($"{tool} {string.Join(' ', arguments)} exited with {process.ExitCode}: {PtxasReport.Flatten(text)}");
        return text;
    }
}
