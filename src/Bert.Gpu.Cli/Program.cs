using System.CommandLine;
using Bert.Gpu.Backends;
using Bert.Gpu.Cli;
using Bert.Gpu.Cli.Commands;
using Bert.Gpu.Model;

var root = new RootCommand("Bert.Gpu: BERT-family sentence embeddings on GPUs (ILGPU) and CPUs.")
{
    EmbedCommand.Create(),
    TokenizeCommand.Create(),
    DevicesCommand.Create(),
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
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is CliException or ModelFormatException or BackendUnavailableException
                              or ArgumentException or IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
