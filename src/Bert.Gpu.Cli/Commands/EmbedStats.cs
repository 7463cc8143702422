using System.Text.Json;

namespace Bert.Gpu.Cli.Commands;

/// <summary>The summary of an embed run, also written by <c>--stats-json</c>.</summary>
/// <param name="Texts">Texts embedded by this run (a resumed run's earlier rows not counted).</param>
/// <param name="Tokens">Tokens this run encoded (rows taken from a cache encode none).</param>
/// <param name="Seconds">The embedding phase (model load excluded).</param>
/// <param name="TokensPerSecond">Tokens over seconds.</param>
/// <param name="Device">What computed.</param>
/// <param name="Precision">The linear layers' precision in force (<c>--precision</c> resolved by the device): fp32 or fp16.</param>
/// <param name="Activations">The activations between kernels: fp16 on the fp16 pipeline, else fp32 (fp16 layers then convert their input per call).</param>
/// <param name="CacheHits">With <c>--cache</c>: rows taken from the cache (their texts encode no tokens); else absent.</param>
/// <param name="CacheMisses">With <c>--cache</c>: rows not found there, so computed and stored.</param>
/// <param name="CacheEvictions">With <c>--cache</c>: rows this run evicted to keep the cache under its cap.</param>
internal sealed record EmbedStats(long Texts, long Tokens, double Seconds, double TokensPerSecond, string Device, string Precision,
    string Activations, long? CacheHits = null, long? CacheMisses = null, long? CacheEvictions = null)
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
