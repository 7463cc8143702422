namespace Bert.Gpu.Backends;

/// <summary>The requested device does not exist here or cannot be driven, with the reason and what to do.</summary>
public sealed class BackendUnavailableException(string message) : Exception(message);
