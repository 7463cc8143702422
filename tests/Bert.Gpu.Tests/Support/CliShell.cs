using System.Diagnostics;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// The command-line program driven the way a user's shell drives it: pipes and process substitution through bash
/// (<c>$CLI</c> is the program), and signals sent with <c>kill</c>.
/// </summary>
internal static class CliShell
{
    /// <summary>Runs <paramref name="script"/> with <c>bash -c</c> in <paramref name="directory"/>; <c>$CLI</c> runs the program.</summary>
    public static CliRunner.Result Run(string script, string directory)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        start.Environment["CLI"] = $"{dotnet} {Path.Combine(AppContext.BaseDirectory, "Bert.Gpu.Cli.dll")}";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bash -c '{script}' ran over 5 minutes.");
        }
        return new CliRunner.Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Sends <paramref name="signal"/> (INT, TERM) to <paramref name="process"/>, as a terminal's Ctrl-C or a scheduler would.</summary>
    public static void Signal(Process process, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
