using System.CommandLine;
using Bert.Gpu.Cli.Commands;
using Bert.Gpu.Cli.Output;
using Bert.Gpu.Heads;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>The options every task command takes (model, output, device, threads, max length, overwrite), added to a command and read back.</summary>
internal sealed class TaskOptions
{
    private readonly Option<string> _model;
    private readonly Option<string> _output = CommonOptions.Output(".jsonl");
    private readonly Option<string> _device = new("--device", "-d")
    {
        Description = "auto, cpu, cuda, opencl, or ilgpu-cpu (kernel debugging only).",
        DefaultValueFactory = _ => "auto",
    };
    private readonly Option<int> _threads = OptionParsers.Int("--threads", "Host threads (0 = all cores).", 0, min: 0, max: 4096);
    private readonly Option<int?> _maxLength = CommonOptions.MaxLength();
    private readonly Option<bool> _overwrite = CommonOptions.Overwrite();
    private readonly Option<Backends.Precision> _precision = CommonOptions.Precision();
    private readonly Option<bool> _resume = new("--resume")
    {
        Description = "Continue an interrupted or failed job from the lines its partial output holds (verified: same model, options and input).",
    };

    /// <param name="model">What <c>--model</c> takes, for its help.</param>
    public TaskOptions(string model = "A HuggingFace checkpoint folder with a task head (its config.json's architectures names it).") =>
        _model = new Option<string>("--model", "-m") { Description = model, Required = true };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _output, _device, _threads, _maxLength, _overwrite, _resume, _precision })
            command.Options.Add(option);
    }

    /// <summary>The values of one run.</summary>
    public TaskSettings Read(ParseResult result) => new(
        result.GetRequiredValue(_model), result.GetRequiredValue(_output), result.GetRequiredValue(_device),
        result.GetValue(_threads), result.GetValue(_maxLength), result.GetValue(_overwrite), result.GetValue(_resume), result.GetValue(_precision));
}

/// <summary>The common options of one task run.</summary>
internal sealed record TaskSettings(string Model, string Output, string Device, int Threads, int? MaxLength, bool Overwrite, bool Resume,
    Backends.Precision Precision = Backends.Precision.Auto)
{
    /// <summary>
    /// Checks the output against <paramref name="source"/> before the slow part (a <c>.jsonl</c> name, the overwrite
    /// policy, a writable folder), then loads the model's <paramref name="kind"/> head.
    /// </summary>
    public HeadRunner Prepare(string command, TaskSource source, HeadKind kind, bool pairs)
    {
        CheckOutput(command, source);
        return HeadRunner.Load(command, kind, pairs, Model, Device, Threads, MaxLength, Precision);
    }

    /// <summary>As <see cref="Prepare"/>, for a command that needs the encoder only (any checkpoint, built-in models too).</summary>
    public EncoderRunner PrepareEncoder(string command, TaskSource source)
    {
        CheckOutput(command, source);
        return EncoderRunner.Load(Model, Device, Threads, MaxLength, Precision);
    }

    private void CheckOutput(string command, TaskSource source)
    {
        if (!Output.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new CliException($"{Output}: {command} writes JSON Lines; name the --output file with a .jsonl extension.");
        OutputChecks.Check(Output, "--output", source.Path, Overwrite, (AtomicOutputFile.ResumablePath(Output), Resume));
    }

    /// <summary>
    /// Opens the output of <paramref name="command"/> run by <paramref name="runner"/>; <paramref name="options"/>
    /// names every other option that changes a line, so that <c>--resume</c> continues only the very same job.
    /// </summary>
    public JsonLinesOutput Open(string command, EncoderRunner runner, TaskSource source, string options) =>
        new(Output, $"{command} model={runner.ModelHash} max_length={runner.MaxLength} precision={runner.Precision} input={source.Format} {options}", Resume);
}
