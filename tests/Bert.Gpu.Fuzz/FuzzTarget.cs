namespace Bert.Gpu.Fuzz;

/// <summary>One fuzzed entry point: the input bytes in, and nothing out but the documented error or a broken property.</summary>
/// <param name="Name">What the lane and <c>replay</c> call it, and the name of its corpus folder.</param>
/// <param name="Summary">What it feeds and what it asserts, for <c>list</c>.</param>
/// <param name="Run">Runs one input; throws only when the input finds a bug.</param>
internal sealed record FuzzTarget(string Name, string Summary, Action<byte[]> Run);
