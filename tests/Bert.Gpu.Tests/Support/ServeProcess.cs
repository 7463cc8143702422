using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// <c>Bert.Gpu.Cli serve</c> as a real process on a free loopback port (<c>--port 0</c>; the port is read from its
/// "listening on" line), for tests that talk HTTP to it. Disposing kills it if it still runs.
/// </summary>
internal sealed partial class ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _rest;

    private ServeProcess(Process process, Uri address, Task<string> rest) => (_process, Address, _rest) = (process, address, rest);

    /// <summary>The base address, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Address { get; }

    public Process Process => _process;

    /// <summary>Starts the server with <paramref name="args"/> (after <c>serve --hostname 127.0.0.1 --port 0</c>, and <c>--device cpu</c> unless they name one) and waits until it listens.</summary>
    public static Task<ServeProcess> StartAsync(params string[] args) => StartWithAsync([], args);

    /// <summary>As <see cref="StartAsync"/>, with these environment variables set in the server.</summary>
    public static async Task<ServeProcess> StartWithAsync((string Name, string Value)[] environment, params string[] args)
    {
        string[] device = args.Contains("--device") ? [] : ["--device", "cpu"];
        var process = CliRunner.StartWith(defaultSignals: true, environment, ["serve", "--hostname", "127.0.0.1", "--port", "0", .. device, .. args]);
        process.StandardInput.Close();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var seen = new List<string>();
        while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
        {
            seen.Add(line);
            if (Listening().Match(line) is { Success: true } m)
                return new ServeProcess(process, new Uri(m.Groups[1].Value), process.StandardError.ReadToEndAsync());
        }
        process.WaitForExit(10_000);
        throw new InvalidOperationException($"serve exited before listening:\n{string.Join('\n', seen)}");
    }

    /// <summary>Sends SIGTERM and waits for the exit; returns the exit code and what it wrote to stderr after listening.</summary>
    public async Task<(int ExitCode, string Stderr)> TerminateAsync()
    {
        Assert.True(CliShell.Signal(_process, "TERM"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await _process.WaitForExitAsync(timeout.Token);
        return (_process.ExitCode, await _rest);
    }

    /// <summary>Waits until <paramref name="inputs"/> inputs are admitted (<c>te_queue_size</c>): a request sent is then queued, not in transit.</summary>
    public static async Task WaitForQueueAsync(HttpClient http, int inputs)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!(await http.GetStringAsync("/metrics", timeout.Token)).Contains($"te_queue_size {inputs}\n", StringComparison.Ordinal))
            await Task.Delay(20, timeout.Token);
    }

    /// <summary>Resident memory of the server, in bytes (Linux's /proc).</summary>
    public long ResidentBytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    [GeneratedRegex(@"listening on (http://[^ ,]+)")]
    private static partial Regex Listening();

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
