namespace Bert.Gpu.Cli;

/// <summary>A user error the CLI reports as one line on stderr with exit code 2.</summary>
internal sealed class CliException(string message, Exception? inner = null) : Exception(message, inner);
