using System.CommandLine;
using Bert.Gpu.Cli.Commands;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Heads;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>The options every task command takes (model, output, device, threads, max length, overwrite), added to a command and read back.</summary>
internal sealed class TaskOptions
{
    private readonly Option<string> _model = new("--model", "-m")
    {
        Description = "A HuggingFace checkpoint folder with a task head (its config.json's architectures names it).",
        Required = true,
    };
    private readonly Option<string> _output = CommonOptions.Output(".jsonl");
    private readonly Option<string> _device = new("--device", "-d")
    {
        Description = "auto, cpu, cuda, opencl, or ilgpu-cpu (kernel debugging only).",
        DefaultValueFactory = _ => "auto",
    };
    private readonly Option<int> _threads = OptionParsers.Int("--threads", "Host threads (0 = all cores).", 0, min: 0, max: 4096);
    private readonly Option<int?> _maxLength = CommonOptions.MaxLength();
    private readonly Option<bool> _overwrite = CommonOptions.Overwrite();
    private readonly Option<bool> _resume = new("--resume")
    {
        Description = "Continue an interrupted or failed job from the lines its partial output holds (verified: same model, options and input).",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _output, _device, _threads, _maxLength, _overwrite, _resume })
            command.Options.Add(option);
    }

    /// <summary>The values of one run.</summary>
    public TaskSettings Read(ParseResult result) => new(
        result.GetRequiredValue(_model), result.GetRequiredValue(_output), result.GetRequiredValue(_device),
        result.GetValue(_threads), result.GetValue(_maxLength), result.GetValue(_overwrite), result.GetValue(_resume));
}

/// <summary>The common options of one task run.</summary>
internal sealed record TaskSettings(string Model, string Output, string Device, int Threads, int? MaxLength, bool Overwrite, bool Resume)
{
    /// <summary>
    /// Checks the output against <paramref name="source"/> before the slow part (a <c>.jsonl</c> name, the overwrite
    /// policy, a writable folder), then loads the model's <paramref name="kind"/> head.
    /// </summary>
    public HeadRunner Prepare(string command, TaskSource source, HeadKind kind, bool pairs)
    {
        if (!Output.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new CliException($"{Output}: {command} writes JSON Lines; name the --output file with a .jsonl extension.");
        OutputChecks.Check(Output, "--output", source.Path, Overwrite, (AtomicOutputFile.ResumablePath(Output), Resume));
        return HeadRunner.Load(command, kind, pairs, Model, Device, Threads, MaxLength);
    }

    /// <summary>
    /// Opens the output of <paramref name="command"/> run by <paramref name="runner"/>; <paramref name="options"/>
    /// names every other option that changes a line, so that <c>--resume</c> continues only the very same job.
    /// </summary>
    public JsonLinesOutput Open(string command, HeadRunner runner, TaskSource source, string options) =>
        new(Output, $"{command} model={runner.ModelHash} max_length={runner.MaxLength} input={source.Format} {options}", Resume);
}
