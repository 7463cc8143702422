namespace Bert.Gpu.Scheduling;

/// <summary>Budgets of the batch scheduler.</summary>
/// <param name="MaxBatchTokens">Most tokens in one forward pass.</param>
/// <param name="MaxBatchSequences">Most sequences in one forward pass.</param>
/// <param name="LookAheadTokens">Tokens of waiting sequences sorted together before cutting batches.</param>
internal sealed record SchedulerLimits(int MaxBatchTokens, int MaxBatchSequences, long LookAheadTokens);
