using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bert.Gpu.Cli.Jobs;

/// <summary>
/// The file beside a partial output (<c>.OUT.partial.json</c>) that lets <c>--resume</c> prove it continues the same
/// job: the <see cref="Identity"/> (model hash and every option that changes a row) and where the rows stand. Before
/// each chunk of rows is appended, the manifest is rewritten (atomically: a temporary file renamed over it) with the
/// chunk as <see cref="Pending"/>, so a process killed at any instant leaves a partial holding either
/// <see cref="Committed"/>'s rows (plus a torn tail to cut) or <see cref="Pending"/>'s.
/// </summary>
internal sealed record JobManifest(
    [property: JsonPropertyName("manifest_version")] int Version,
    [property: JsonPropertyName("identity")] JobIdentity Identity,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("committed")] RowCheckpoint Committed,
    [property: JsonPropertyName("pending")] RowCheckpoint? Pending)
{
    /// <summary>The layout this code writes; another one is refused rather than guessed at.</summary>
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    /// <summary>Where the manifest of the partial file <paramref name="partialPath"/> lives.</summary>
    public static string PathFor(string partialPath) => partialPath + ".json";

    /// <summary>Reads the manifest at <paramref name="path"/>; null if there is none.</summary>
    /// <exception cref="CliException">It is damaged or of another version.</exception>
    public static JobManifest? Load(string path, string partialPath)
    {
        if (!File.Exists(path))
            return null;
        JobManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<JobManifest>(File.ReadAllBytes(path), Json);
        }
        catch (JsonException e)
        {
            throw new CliException($"{path}: the manifest of {partialPath} is damaged ({e.Message}); delete both, or pass --overwrite to start over.");
        }
        if (manifest is null || manifest.Identity is null || manifest.Committed is null)
            throw new CliException($"{path}: the manifest of {partialPath} is incomplete; delete both, or pass --overwrite to start over.");
        if (manifest.Version != CurrentVersion)
            throw new CliException($"{path}: manifest version {manifest.Version}, this tool writes {CurrentVersion}; finish the job with the tool that started it, or pass --overwrite to start over.");
        return manifest;
    }

    /// <summary>Writes the manifest to <paramref name="path"/> so that a reader sees the old one or this one, never a mix.</summary>
    public void Save(string path)
    {
        var temporary = path + ".tmp";
        try
        {
            File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(this, Json));
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary); // a full disk leaves no half-written manifest behind
            throw;
        }
    }
}
