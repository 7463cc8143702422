using Bert.Gpu.Kernels.Catalog;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary>
/// <c>kernels</c>: <c>--list</c> names every catalog variant, <c>--emit-ptx DIR</c> writes one loadable-looking PTX file
/// per variant (and follows the CLI's overwrite policy), <c>--ptx-isa</c> rewrites only the version line.
/// </summary>
public sealed class KernelsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-kernels-").FullName;

    private string Ptx => Path.Combine(_dir, "ptx");

    [Fact]
    public void List_PrintsOneLinePerVariant()
    {
        var run = CliRunner.Run("kernels", "--list");

        Assert.True(run.ExitCode == 0, run.StandardError);
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(KernelCatalog.All.Count, lines.Length);
        foreach (var (line, variant) in lines.Zip(KernelCatalog.All))
        {
            Assert.StartsWith(variant.Name + " ", line);
            Assert.Contains($"{variant.Launcher.FullName}.{variant.Method}", line);
            Assert.EndsWith(variant.Sass.ToString(), line);
        }
    }

    [Fact]
    public void EmitPtx_WritesEveryVariantIntoANewFolder()
    {
        var run = CliRunner.Run("kernels", "--emit-ptx", Ptx);

        Assert.True(run.ExitCode == 0, run.StandardError);
        Assert.Equal(KernelCatalog.All.Select(v => v.Name + ".ptx").Order(), Directory.GetFiles(Ptx).Select(Path.GetFileName).Order());
        foreach (var variant in KernelCatalog.All)
        {
            var ptx = File.ReadAllText(Path.Combine(Ptx, variant.Name + ".ptx"));
            Assert.Contains(".entry", ptx);
            Assert.Contains(".target sm_80", ptx);
            Assert.Contains("\n.version 8.0\n", ptx); // as ILGPU wrote it
        }
    }

    [Fact]
    public void EmitPtx_ReplacesExistingFilesOnlyWithOverwrite()
    {
        var first = KernelCatalog.All[0].Name + ".ptx";
        Directory.CreateDirectory(Ptx);
        File.WriteAllText(Path.Combine(Ptx, first), "an earlier file");

        var refused = CliRunner.Run("kernels", "--emit-ptx", Ptx);
        var untouched = File.ReadAllText(Path.Combine(Ptx, first));
        var filesAfterRefusal = Directory.GetFiles(Ptx).Select(Path.GetFileName).ToList();
        var replaced = CliRunner.Run("kernels", "--emit-ptx", Ptx, "--overwrite", "--ptx-isa", "7.8");

        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"error: {Path.Combine(Ptx, first)}: exists; pass --overwrite to replace it, or choose another --emit-ptx folder.", refused.StandardError.TrimEnd());
        Assert.Equal("an earlier file", untouched);
        Assert.Equal([first], filesAfterRefusal); // refused before writing any
        Assert.True(replaced.ExitCode == 0, replaced.StandardError);
        Assert.All(Directory.GetFiles(Ptx), f => Assert.Contains("\n.version 7.8\n", File.ReadAllText(f)));
    }

    [Theory]
    [InlineData(new[] { "kernels" }, "kernels: pass --list, --emit-ptx DIR and/or --ptxas-table (see --help).")]
    [InlineData(new[] { "kernels", "--emit-ptx", "{dir}", "--ptx-isa", "7" }, "--ptx-isa 7: write it as MAJOR.MINOR, e.g. 7.8.")]
    [InlineData(new[] { "kernels", "--ptxas-table", "--cuda-bin", "{dir}" }, "{dir}/ptxas: not found; --cuda-bin (or BERT_GPU_CUDA_BIN) must name the folder holding ptxas and cuobjdump.")]
    [InlineData(new[] { "kernels", "--emit-ptx", "{dir}/file" }, "{dir}/file: is a file; --emit-ptx names the folder to write the .ptx files into.")]
    public void Mistakes_AreOneLineErrors(string[] args, string expected)
    {
        File.WriteAllText(Path.Combine(_dir, "file"), "");

        var run = CliRunner.Run([.. args.Select(a => a.Replace("{dir}", _dir))]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"error: {expected.Replace("{dir}", _dir)}", run.StandardError.TrimEnd());
        Assert.Equal(["file"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
