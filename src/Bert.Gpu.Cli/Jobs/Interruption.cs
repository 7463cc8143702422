using System.Runtime.InteropServices;

namespace Bert.Gpu.Cli.Jobs;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM for a long job: the first asks the job to stop — <see cref="Token"/> is cancelled, the
/// job keeps what is finished and says how to resume — and the second quits at once, with the exit code of that
/// signal and a one-line message, no stack trace. A job's files are consistent at every instant (see
/// <see cref="JobManifest"/>), so quitting at once loses only the rows in flight.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly Func<string> _kept;
    private int _signals;

    /// <param name="kept">What a quit-at-once leaves behind, for its message (e.g. "1024 rows kept in …").</param>
    public Interruption(Func<string> kept)
    {
        _kept = kept;
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>The shell's convention: 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).</summary>
    public int ExitCode => Signal == PosixSignal.SIGTERM ? 143 : 130;

    /// <summary>The signal's name for messages.</summary>
    public string SignalName => Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT (Ctrl-C)";

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true; // never the runtime's default: that ends the process mid-write, without a word
        if (Interlocked.Increment(ref _signals) == 1)
        {
            Signal = context.Signal;
            Console.Error.WriteLine();
            Console.Error.WriteLine($"{SignalName}: stopping after the rows already computed are written (signal again to quit at once)");
            _stop.Cancel();
            return;
        }
        Console.Error.WriteLine($"{(context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT")} again: quitting now; {_kept()}");
        Environment.Exit(ExitCode);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _stop.Dispose();
    }
}
