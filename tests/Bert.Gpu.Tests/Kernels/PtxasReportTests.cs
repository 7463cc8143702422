using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Ptx;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// How ptxas's <c>-v</c> report and cuobjdump's SASS are read, on text in ptxas 11.8's own format: runs without the
/// tools, so a parsing mistake shows in the main suite, not only in the PTX lane.
/// </summary>
[Trait("Category", "Kernels")]
public class PtxasReportTests
{
    private const string TwoFunctions = """
        ptxas warning : Local memory used for function 'Kernel_Kernel', size of stack frame: 64 bytes
        ptxas info    : 0 bytes gmem
        ptxas info    : Function properties for helper
            8 bytes stack frame, 4 bytes spill stores, 4 bytes spill loads
        ptxas info    : Compiling entry function 'Kernel_Kernel' for 'sm_80'
        ptxas info    : Function properties for Kernel_Kernel
            64 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
        ptxas info    : Used 40 registers, 8320 bytes smem, 488 bytes cmem[0]
        """;

    private static readonly string[] Sass =
    [
        "        Function : Kernel_Kernel",
        "        /*0000*/                   MOV R1, c[0x0][0x28] ;                   /* 0x00000a0000017a02 */",
        "                                                                             /* 0x000fe40000000f00 */",
        "        /*0010*/                   STL.64 [R1], RZ ;                         /* 0x000000ff01007387 */",
        "        /*0020*/                   HMMA.16816.F32 R4, R8, R12, R4 ;          /* 0x0000000c0804723c */",
        "        /*0030*/                   LDSM.16.M88.4 R8, [R2] ;                  /* 0x000000000208783b */",
        "        /*0040*/                   IDP.4A.S8.S8 R5, R6, R7, R5 ;             /* 0x0000000706057226 */",
        "        /*0050*/                   LDL.64 R4, [R1] ;                         /* 0x0000000001047983 */",
    ];

    [Fact]
    public void TheEntryFunctionsNumbers_AndEveryFunctionsSpills()
    {
        var report = PtxasReport.Parse(TwoFunctions, Sass);

        Assert.Equal((40, 64, 8, 8320), (report.Registers, report.StackBytes, report.SpillBytes, report.SharedBytes));
    }

    [Fact]
    public void NoSmemInTheReport_IsNone()
    {
        var report = PtxasReport.Parse("ptxas info    : Compiling entry function 'K' for 'sm_90'\nptxas info    : Function properties for K\n"
            + "    0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\nptxas info    : Used 17 registers, 380 bytes cmem[0]\n", Sass);

        Assert.Equal((17, 0), (report.Registers, report.SharedBytes));
    }

    [Fact]
    public void AReportWithoutAnEntryFunction_IsAnError()
    {
        Assert.StartsWith("ptxas -v: no entry function", Assert.Throws<CliException>(() => PtxasReport.Parse("ptxas info    : 0 bytes gmem", Sass)).Message);
    }

    [Fact]
    public void Opcodes_AreCountedOnInstructionLinesOnly()
    {
        var report = PtxasReport.Parse(TwoFunctions, Sass);

        Assert.Equal(6, report.Instructions);
        Assert.Equal([4], report.Lines(PtxasReport.Hmma));
        Assert.Empty(report.Lines(PtxasReport.Imma));
        Assert.Equal([5], report.Lines(PtxasReport.Ldsm));
        Assert.Equal([6], report.Lines(PtxasReport.Dp4a));
        Assert.Equal([3, 7], report.Lines(PtxasReport.Local));
        Assert.Empty(report.Lines(PtxasReport.Ldgsts));
    }
}
