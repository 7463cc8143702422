using System.Diagnostics;

namespace Bert.Gpu.DeviceCheck;

/// <summary>Wall-clock timing of queued device work: launches between two synchronizations, median over samples.</summary>
internal static class KernelTimer
{
    /// <summary>Milliseconds per launch: median, fastest and slowest sample.</summary>
    /// <param name="plan">Warm-up launches, samples, launches per sample.</param>
    /// <param name="launch">Queues one launch.</param>
    /// <param name="synchronize">
    /// Waits for everything queued. Launches are batched between synchronizations so a launch costs what the device
    /// takes, not a host round trip.
    /// </param>
    public static (double Median, double Min, double Max) Measure(TimingPlan plan, Action launch, Action synchronize)
    {
        for (var i = 0; i < plan.Warmups; i++)
            launch();
        synchronize();
        var samples = new double[plan.Samples];
        for (var s = 0; s < samples.Length; s++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < plan.LaunchesPerSample; i++)
                launch();
            synchronize();
            samples[s] = watch.Elapsed.TotalMilliseconds / plan.LaunchesPerSample;
        }
        Array.Sort(samples);
        var median = samples.Length % 2 == 1 ? samples[samples.Length / 2] : (samples[samples.Length / 2 - 1] + samples[samples.Length / 2]) / 2;
        return (median, samples[0], samples[^1]);
    }
}
