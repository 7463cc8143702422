using System.CommandLine;
using System.Text;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Cli.Ptx;
using Bert.Gpu.Kernels.Catalog;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// <c>kernels</c>: the kernel variants we ship (<see cref="KernelCatalog"/>), their PTX as ILGPU generates it for
/// sm_80, and (with NVIDIA's ptxas) what each assembles to: for kernel researchers and the PTX lane.
/// </summary>
internal static class KernelsCommand
{
    public static Command Create()
    {
        var list = new Option<bool>("--list") { Description = "Print each kernel variant: name, launcher, what its SASS must hold." };
        var emit = new Option<string?>("--emit-ptx")
        {
            HelpName = "DIR",
            Description = "Write DIR/NAME.ptx for every variant (DIR is created), as ILGPU writes it: .target sm_80, .version 8.0.",
        };
        var isa = new Option<string?>("--ptx-isa")
        {
            HelpName = "X.Y",
            Description = $"With --emit-ptx: rewrite the .version line to this PTX ISA, e.g. {Ptxas.Isa} (ptxas 11.x reads at most 7.8; nothing the kernels use needs more than 7.0).",
        };
        var table = new Option<bool>("--ptxas-table")
        {
            Description = "Assemble every variant for sm_80 and sm_90 with ptxas -v, disassemble with cuobjdump -sass, print a Markdown table (docs/KERNELS.md's).",
        };
        var cudaBin = new Option<string?>("--cuda-bin")
        {
            HelpName = "DIR",
            Description = "With --ptxas-table: the folder holding ptxas and cuobjdump, CUDA 11.8 or later (default: BERT_GPU_CUDA_BIN).",
        };
        var overwrite = CommonOptions.Overwrite();
        var command = new Command("kernels", "List the GPU kernel variants, write their PTX, or tabulate what ptxas makes of them.")
        {
            list, emit, isa, table, cudaBin, overwrite,
        };
        command.SetAction(result => Run(result.GetValue(list), result.GetValue(emit), result.GetValue(isa), result.GetValue(table),
            result.GetValue(cudaBin), result.GetValue(overwrite)));
        return command;
    }

    private static int Run(bool list, string? emitTo, string? isa, bool table, string? cudaBin, bool overwrite)
    {
        if (!list && emitTo is null && !table)
            throw new CliException("kernels: pass --list, --emit-ptx DIR and/or --ptxas-table (see --help).");
        if (isa is not null && emitTo is null)
            throw new CliException("--ptx-isa: only rewrites what --emit-ptx DIR writes; name the folder too.");
        if (isa is not null && !PtxEmitter.IsIsaVersion(isa))
            throw new CliException($"--ptx-isa {isa}: write it as MAJOR.MINOR, e.g. {Ptxas.Isa}.");
        if (cudaBin is not null && !table)
            throw new CliException("--cuda-bin: only --ptxas-table runs ptxas; pass it too.");
        // The tools are looked for before any work, so a wrong folder fails at once.
        var ptxas = table ? Ptxas.Find(cudaBin) : null;
        if (list)
            foreach (var variant in KernelCatalog.All)
                Console.WriteLine($"{variant.Name,-24} {variant.Launcher.FullName}.{variant.Method}  {variant.Sass}");
        if (emitTo is not null)
            EmitPtx(emitTo, isa, overwrite);
        if (ptxas is not null)
            KernelTable.Write(Console.Out, ptxas);
        return 0;
    }

    private static void EmitPtx(string folder, string? isa, bool overwrite)
    {
        if (File.Exists(folder))
            throw new CliException($"{folder}: is a file; --emit-ptx names the folder to write the .ptx files into.");
        Directory.CreateDirectory(folder);
        var paths = KernelCatalog.All.Select(v => Path.Combine(folder, v.Name + ".ptx")).ToList();
        foreach (var path in paths)
            OutputChecks.Check(path, "--emit-ptx folder", inputPath: null, overwrite);
        // Every variant is compiled before the first file is written: a kernel ILGPU cannot compile leaves no partial set.
        string[] texts;
        using (var emitter = new PtxEmitter())
            texts = [.. KernelCatalog.All.Select(v => emitter.Emit(v))];
        if (isa is not null)
            texts = [.. texts.Select(ptx => PtxEmitter.WithIsaVersion(ptx, isa))];
        foreach (var (path, ptx) in paths.Zip(texts))
        {
            using var file = new AtomicOutputFile(path);
            file.Stream.Write(new UTF8Encoding(false).GetBytes(ptx));
            file.Commit();
        }
        Console.Error.WriteLine($"wrote {paths.Count} .ptx files to {folder}");
    }
}
