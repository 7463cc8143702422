using System.Diagnostics;

namespace Bert.Gpu.Tests.Support;

/// <summary>Runs the real command-line program (Bert.Gpu.Cli.dll, copied beside the tests) in a child process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Result Run(params string[] args) => RunWith([], args);

    /// <summary>As <see cref="Run"/>, with these environment variables set in the child.</summary>
    public static Result RunWith((string Name, string Value)[] environment, params string[] args)
    {
        using var process = Start(defaultSignals: false, environment, args);
        process.StandardInput.Close(); // `--input -` reads an empty input
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Bert.Gpu.Cli {string.Join(' ', args)} ran over 5 minutes.");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the program without waiting; the caller writes its input (<c>--input -</c>) and reads or discards its output.</summary>
    public static Process Start(params string[] args) => Start(defaultSignals: false, [], args);

    /// <summary>
    /// As <see cref="Start(string[])"/>; with <paramref name="defaultSignals"/>, SIGINT and SIGTERM are reset to their
    /// default in the child (coreutils' <c>env --default-signal</c>): a test run started in the background of a
    /// non-interactive shell (some CI runners) inherits SIGINT as ignored, and the program rightly keeps ignoring it.
    /// </summary>
    public static Process Start(bool defaultSignals, params string[] args) => Start(defaultSignals, [], args);

    /// <summary>As <see cref="Start(bool, string[])"/>, with these environment variables set in the child.</summary>
    public static Process StartWith(bool defaultSignals, (string Name, string Value)[] environment, params string[] args) => Start(defaultSignals, environment, args);

    private static Process Start(bool defaultSignals, (string Name, string Value)[] environment, string[] args)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(defaultSignals ? "env" : dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        if (defaultSignals)
        {
            start.ArgumentList.Add("--default-signal=INT,TERM");
            start.ArgumentList.Add(dotnet);
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Bert.Gpu.Cli.dll"));
        foreach (var a in args)
            start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }
}
