using System.Globalization;
using Bert.Gpu.Kernels.Catalog;

namespace Bert.Gpu.Cli.Ptx;

/// <summary>
/// The Markdown table of docs/KERNELS.md: per kernel variant × architecture, what ptxas allocated and how many of the
/// instructions that matter the SASS holds. Nothing in it depends on the day or the machine, so regenerating it
/// gives the same bytes until a kernel, ILGPU or ptxas changes.
/// </summary>
internal static class KernelTable
{
    private static readonly (string Header, System.Text.RegularExpressions.Regex Opcode)[] Counted =
    [
        ("HMMA", PtxasReport.Hmma), ("IMMA", PtxasReport.Imma), ("IDP.4A", PtxasReport.Dp4a),
        ("LDSM", PtxasReport.Ldsm), ("LDGSTS", PtxasReport.Ldgsts), ("LDL/STL", PtxasReport.Local),
    ];

    /// <summary>Assembles every variant of <see cref="KernelCatalog.All"/> for every architecture and writes the table.</summary>
    public static void Write(TextWriter output, Ptxas ptxas)
    {
        var ilgpu = typeof(ILGPU.Context).Assembly.GetName().Version!;
        output.WriteLine($"ptxas: {ptxas.Version()}; PTX from ILGPU {ilgpu.ToString(3)} for sm_80, `.version` rewritten to {Ptxas.Isa}.");
        output.WriteLine();
        output.WriteLine($"| Kernel | Arch | Registers | Stack B | Smem B | SASS instructions | {string.Join(" | ", Counted.Select(c => c.Header))} |");
        output.WriteLine($"|---|---|{string.Concat(Enumerable.Repeat("--:|", 4 + Counted.Length))}");
        using var emitter = new PtxEmitter();
        foreach (var variant in KernelCatalog.All)
        {
            var ptx = emitter.Emit(variant);
            foreach (var arch in Ptxas.Architectures)
            {
                var r = ptxas.Assemble(ptx, arch);
                var cells = new[] { r.Registers, r.StackBytes, r.SharedBytes, r.Instructions }.Concat(Counted.Select(c => r.Lines(c.Opcode).Count));
                output.WriteLine($"| {variant.Name} | {arch} | {string.Join(" | ", cells.Select(n => n.ToString(CultureInfo.InvariantCulture)))} |");
            }
        }
    }
}
