namespace Bert.Gpu.DeviceCheck.Tests;

/// <summary>One test's result as the runner reports it.</summary>
/// <param name="Name">The test's display name (class, method and theory data).</param>
/// <param name="Outcome">passed, failed or skipped.</param>
/// <param name="Seconds">Its run time.</param>
/// <param name="Message">Why it failed (the exception's type and message) or was skipped; null when it passed.</param>
/// <param name="StackTrace">Where it failed.</param>
/// <param name="Output">What it wrote to its ITestOutputHelper (max |Δ|, device names, timings).</param>
internal sealed record TestOutcome(string Name, string Outcome, double Seconds, string? Message, string? StackTrace, string Output);
