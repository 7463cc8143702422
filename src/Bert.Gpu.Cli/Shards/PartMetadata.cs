using System.Globalization;
using System.Text.Json;
using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Shards;

/// <summary>
/// What a part of a sharded dataset says about itself, in its Parquet footer's key-value metadata (keys
/// <c>bert_gpu.*</c>, all strings; DuckDB shows them with <c>parquet_kv_metadata</c>, pyarrow in
/// <c>schema.metadata</c>): the job (<see cref="JobIdentity"/> as JSON: model name and content hash, every option), the
/// shard, the rows it holds and of how many, and the hashes of the whole input's texts and of its own.
/// </summary>
/// <param name="Identity">Model and options.</param>
/// <param name="Shard">Which shard of how many.</param>
/// <param name="RowStart">Input index of the part's first row.</param>
/// <param name="RowEnd">Input index after its last row (RowEnd − RowStart rows).</param>
/// <param name="InputRows">Texts in the whole input.</param>
/// <param name="InputSha256">Running hash of all the input's texts.</param>
/// <param name="SliceSha256">Running hash of the part's own texts, from its first.</param>
/// <param name="Input">The input's name, for people to read.</param>
internal sealed record PartMetadata(JobIdentity Identity, ShardSpec Shard, long RowStart, long RowEnd, long InputRows,
    string InputSha256, string SliceSha256, string Input)
{
    /// <summary>The layout of these keys; another is refused rather than guessed at.</summary>
    public const int CurrentVersion = 1;

    private const string Prefix = "bert_gpu.";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The footer's key-value pairs.</summary>
    public IReadOnlyDictionary<string, string> ToKeyValues() => new Dictionary<string, string>
    {
        [Prefix + "part_version"] = Number(CurrentVersion),
        [Prefix + "identity"] = JsonSerializer.Serialize(Identity, Json),
        [Prefix + "shard"] = Shard.ToString(),
        [Prefix + "row_start"] = Number(RowStart),
        [Prefix + "row_end"] = Number(RowEnd),
        [Prefix + "input_rows"] = Number(InputRows),
        [Prefix + "input_sha256"] = InputSha256,
        [Prefix + "slice_sha256"] = SliceSha256,
        [Prefix + "input"] = Input,
    };

    /// <summary>Reads the pairs of the part <paramref name="path"/>.</summary>
    /// <exception cref="CliException">A key is missing or malformed, or of another version: not a part this tool wrote.</exception>
    public static PartMetadata Parse(IReadOnlyDictionary<string, string> pairs, string path)
    {
        string Get(string key) => pairs.TryGetValue(Prefix + key, out var value)
            ? value
            : throw new CliException($"{path}: no {Prefix}{key} in its Parquet metadata, so it is not a part embed --shard wrote; move it out of the folder.");
        long Long(string key) => long.TryParse(Get(key), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliException($"{path}: {Prefix}{key}='{Get(key)}' in its Parquet metadata is not a count; the part is damaged — rerun its shard.");

        if (Get("part_version") != Number(CurrentVersion))
            throw new CliException($"{path}: part version {Get("part_version")}, this tool reads {CurrentVersion}; merge it with the tool that wrote it, or rerun its shard.");
        JobIdentity? identity;
        try
        {
            identity = JsonSerializer.Deserialize<JobIdentity>(Get("identity"), Json);
        }
        catch (JsonException e)
        {
            throw new CliException($"{path}: {Prefix}identity in its Parquet metadata is damaged ({e.Message}); rerun its shard.");
        }
        var shard = ShardSpec.TryParse(Get("shard"))
            ?? throw new CliException($"{path}: {Prefix}shard='{Get("shard")}' in its Parquet metadata is not I/N; the part is damaged — rerun its shard.");
        return new PartMetadata(identity ?? throw new CliException($"{path}: {Prefix}identity is empty; rerun its shard."),
            shard, Long("row_start"), Long("row_end"), Long("input_rows"), Get("input_sha256"), Get("slice_sha256"), Get("input"));
    }

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
