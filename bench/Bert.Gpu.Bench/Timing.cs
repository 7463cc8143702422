using System.Diagnostics;

namespace Bert.Gpu.Bench;

/// <summary>Wall-clock medians for the end-to-end comparisons.</summary>
internal static class Timing
{
    /// <summary>Median seconds of <paramref name="repeats"/> runs after one warm-up run (JIT, thread pool, buffer growth).</summary>
    public static double Median(int repeats, Action action)
    {
        action();
        var times = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
