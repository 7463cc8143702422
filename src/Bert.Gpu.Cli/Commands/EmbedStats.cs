using System.Text.Json;

namespace Bert.Gpu.Cli.Commands;

/// <summary>The summary of an embed run, also written by <c>--stats-json</c>.</summary>
/// <param name="Texts">Texts embedded by this run (a resumed run's earlier rows not counted).</param>
/// <param name="Tokens">Tokens those texts encoded to.</param>
/// <param name="Seconds">The embedding phase (model load excluded).</param>
/// <param name="TokensPerSecond">Tokens over seconds.</param>
/// <param name="Device">What computed.</param>
/// <param name="Precision">The linear layers' precision in force (<c>--precision</c> resolved by the device): fp32 or fp16.</param>
internal sealed record EmbedStats(long Texts, long Tokens, double Seconds, double TokensPerSecond, string Device, string Precision)
{
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };
}
