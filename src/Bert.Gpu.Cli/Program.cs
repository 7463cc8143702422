using System.CommandLine;
using Bert.Gpu.Backends;
using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Commands;
using Bert.Gpu.Model;

var root = new RootCommand("Bert.Gpu: BERT-family sentence embeddings on GPUs (ILGPU) and CPUs.")
{
    EmbedCommand.Create(),
    MergeCommand.Create(),
    ClassifyCommand.Create(),
    RerankCommand.Create(),
    NerCommand.Create(),
    QaCommand.Create(),
    FillMaskCommand.Create(),
    HiddenCommand.Create(),
    ServeCommand.Create(),
    TokenizeCommand.Create(),
    CalibrateCommand.Create(),
    DevicesCommand.Create(),
    KernelsCommand.Create(),
};

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // System.CommandLine spreads some messages over several lines; the contract is one line per error.
    var message = string.Join(' ', parsed.Errors[0].Message.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim()));
    Console.Error.WriteLine($"error: {message} (see --help)");
    return 2;
}

try
{
    return parsed.Invoke(new InvocationConfiguration
    {
        EnableDefaultExceptionHandler = false,
        // serve's host drains in-flight requests on SIGTERM (up to 30 s); System.CommandLine would kill it after 2 s.
        ProcessTerminationTimeout = null,
    });
}
catch (Exception e) when (e is CliException or ModelFormatException or Bert.Gpu.Quantization.Files.QbertFormatException or BackendUnavailableException
                              or ArgumentException or IOException or UnauthorizedAccessException)
{
    // ArgumentException appends " (Parameter 'x')", which says nothing to a command-line user.
    var message = e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;
    Console.Error.WriteLine($"error: {message}");
    if (Environment.GetEnvironmentVariable("BERT_GPU_TRACE") == "1")
        Console.Error.WriteLine(e); // for a bug report: the whole chain, stack traces included
    return 2;
}
