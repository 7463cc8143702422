using System.Globalization;

namespace Bert.Gpu.Cli.Serve;

/// <summary>
/// What <c>serve</c> runs with. Every flag can also come from an environment variable, as TEI's do (a flag wins over
/// its variable); the defaults are TEI's: 2,000,000-byte payloads, 32 inputs a request, 512 inputs in flight,
/// 16,384 tokens a forward pass, inputs over the max length truncated.
/// </summary>
internal sealed record ServeSettings
{
    public required string Model { get; init; }
    public string Hostname { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 3000;
    public string Device { get; init; } = "auto";
    public int Threads { get; init; }
    public int PayloadLimit { get; init; } = 2_000_000;
    public int MaxClientBatchSize { get; init; } = 32;
    public int MaxConcurrentRequests { get; init; } = 512;
    public int MaxBatchTokens { get; init; } = 16_384;
    public int MaxBatchRequests { get; init; } = 256;
    public bool AutoTruncate { get; init; } = true;
    public string? ApiKey { get; init; }
    public IReadOnlyList<string> CorsAllowOrigins { get; init; } = [];
    public Bert.Gpu.Backends.Precision Precision { get; init; } = Bert.Gpu.Backends.Precision.Auto;
    public string? Cache { get; init; }
    public long CacheMaxBytes { get; init; } = Caching.EmbeddingCache.DefaultMaxBytes;

    /// <summary>The environment variable of each flag (TEI's names).</summary>
    public static readonly IReadOnlyDictionary<string, string> Variables = new Dictionary<string, string>
    {
        ["--model"] = "MODEL_ID",
        ["--hostname"] = "HOSTNAME",
        ["--port"] = "PORT",
        ["--device"] = "DEVICE",
        ["--threads"] = "THREADS",
        ["--payload-limit"] = "PAYLOAD_LIMIT",
        ["--max-client-batch-size"] = "MAX_CLIENT_BATCH_SIZE",
        ["--max-concurrent-requests"] = "MAX_CONCURRENT_REQUESTS",
        ["--max-batch-tokens"] = "MAX_BATCH_TOKENS",
        ["--max-batch-requests"] = "MAX_BATCH_REQUESTS",
        ["--auto-truncate"] = "AUTO_TRUNCATE",
        ["--api-key"] = "API_KEY",
        ["--cors-allow-origin"] = "CORS_ALLOW_ORIGIN",
    };

    /// <summary>The flag's value, else its environment variable's (checked like the flag), else null.</summary>
    public static string? FromEnvironment(string flag) =>
        Environment.GetEnvironmentVariable(Variables[flag]) is { Length: > 0 } value ? value : null;

    /// <summary>A whole number from <paramref name="flag"/>'s variable when the flag is absent.</summary>
    /// <exception cref="CliException">The variable holds no whole number in [<paramref name="min"/>, <paramref name="max"/>].</exception>
    public static int Int(int? flagValue, string flag, int defaultValue, int min, int max = int.MaxValue)
    {
        if (flagValue is { } given)
            return given;
        if (FromEnvironment(flag) is not { } text)
            return defaultValue;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new CliException($"{Variables[flag]}='{text}' (for {flag}): must be a whole number from {min} to {max}; fix or unset the variable.");
        return value;
    }

    /// <summary>true/false from <paramref name="flag"/>'s variable when the flag is absent.</summary>
    /// <exception cref="CliException">The variable holds neither true nor false.</exception>
    public static bool Bool(bool? flagValue, string flag, bool defaultValue)
    {
        if (flagValue is { } given)
            return given;
        return FromEnvironment(flag) switch
        {
            null => defaultValue,
            var t when t.Equals("true", StringComparison.OrdinalIgnoreCase) || t == "1" => true,
            var t when t.Equals("false", StringComparison.OrdinalIgnoreCase) || t == "0" => false,
            var t => throw new CliException($"{Variables[flag]}='{t}' (for {flag}): must be true or false; fix or unset the variable."),
        };
    }
}
