using System.Text.RegularExpressions;

namespace Bert.Gpu.Cli.Ptx;

/// <summary>
/// What ptxas said about one kernel for one architecture (<c>-v</c>: registers, stack frame, spills, static shared
/// memory) and the SASS cuobjdump read back from the cubin, one string per line.
/// </summary>
/// <param name="Log">ptxas's own output (info and warnings), for messages.</param>
/// <param name="Registers">Registers per thread of the entry function.</param>
/// <param name="StackBytes">The entry function's stack frame.</param>
/// <param name="SpillBytes">Spill stores plus spill loads, over every function of the module.</param>
/// <param name="SharedBytes">Static shared memory of the entry function (0 when ptxas reports none).</param>
/// <param name="Sass">cuobjdump <c>-sass</c>'s output, line by line.</param>
internal sealed partial record PtxasReport(string Log, int Registers, int StackBytes, int SpillBytes, int SharedBytes, IReadOnlyList<string> Sass)
{
    /// <summary>Tensor-core fp16 matrix multiply-accumulate (<c>mma.sync</c> on f16).</summary>
    public static readonly Regex Hmma = Opcode("HMMA");

    /// <summary>Tensor-core int8 matrix multiply-accumulate.</summary>
    public static readonly Regex Imma = Opcode("IMMA");

    /// <summary>Four-way int8 dot product (<c>dp4a</c>).</summary>
    public static readonly Regex Dp4a = Opcode(@"IDP\.4A");

    /// <summary>Shared-memory matrix load (<c>ldmatrix</c>).</summary>
    public static readonly Regex Ldsm = Opcode("LDSM");

    /// <summary>Asynchronous global-to-shared copy (<c>cp.async</c>).</summary>
    public static readonly Regex Ldgsts = Opcode("LDGSTS");

    /// <summary>Local-memory load or store: spilled or addressed registers.</summary>
    public static readonly Regex Local = Opcode(@"(LDL|STL)");

    /// <summary>The indices into <see cref="Sass"/> of the lines holding an instruction that matches <paramref name="opcode"/>.</summary>
    public IReadOnlyList<int> Lines(Regex opcode) =>
        [.. Sass.Select((line, i) => (line, i)).Where(x => InstructionPattern().IsMatch(x.line) && opcode.IsMatch(x.line)).Select(x => x.i)];

    /// <summary>SASS instructions, padding NOPs included (each is one line with its offset, <c>/*0a40*/</c>).</summary>
    public int Instructions => Sass.Count(InstructionPattern().IsMatch);

    /// <summary>Reads ptxas's <c>-v</c> report; the entry function's numbers are those after "Compiling entry function".</summary>
    /// <exception cref="CliException">The report does not have the lines ptxas 11.8 and later write.</exception>
    public static PtxasReport Parse(string log, IReadOnlyList<string> sass)
    {
        var entry = log.IndexOf("Compiling entry function", StringComparison.Ordinal);
        var frame = entry < 0 ? Match.Empty : FramePattern().Match(log, entry);
        var used = entry < 0 ? Match.Empty : UsedPattern().Match(log, entry);
        if (!frame.Success || !used.Success)
            throw new CliException($"ptxas -v: no entry function's stack frame and registers in its report ({Flatten(log)}); is this ptxas 11.8 or later?");
        var spills = FramePattern().Matches(log).Sum(m => int.Parse(m.Groups["stores"].Value) + int.Parse(m.Groups["loads"].Value));
        var smem = SmemPattern().Match(used.Value);
        return new PtxasReport(log, int.Parse(used.Groups["registers"].Value), int.Parse(frame.Groups["stack"].Value), spills,
            smem.Success ? int.Parse(smem.Groups["smem"].Value) : 0, sass);
    }

    /// <summary>An instruction's mnemonic (a regex alternative: <c>(LDL|STL)</c>), not a part of a longer one.</summary>
    private static Regex Opcode(string mnemonic) => new($@"\b{mnemonic}\b", RegexOptions.Compiled);

    /// <summary><paramref name="text"/> on one line: messages are one line each.</summary>
    public static string Flatten(string text) => WhitespacePattern().Replace(text.Trim(), " ");

    [GeneratedRegex(@"(?<stack>\d+) bytes stack frame, (?<stores>\d+) bytes spill stores, (?<loads>\d+) bytes spill loads")]
    private static partial Regex FramePattern();

    [GeneratedRegex(@"Used (?<registers>\d+) registers[^\n]*")]
    private static partial Regex UsedPattern();

    [GeneratedRegex(@"(?<smem>\d+) bytes smem")]
    private static partial Regex SmemPattern();

    [GeneratedRegex(@"^\s*/\*[0-9a-f]{4,}\*/\s+\S")]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespacePattern();
}
