using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>
/// What a task command's partial output holds, in <c>.NAME.partial.json</c> beside it, rewritten after every chunk:
/// the job (the command, the model's content hash, every option that changes a line), how many input records its
/// first <see cref="Bytes"/> bytes answer, and the running SHA-256 of those records' texts.
/// </summary>
/// <param name="Job">The command, the model's hash and the options in force, as one canonical string.</param>
/// <param name="Records">Input records whose lines are in the partial file.</param>
/// <param name="Bytes">Length of those lines in the partial file (a torn tail past it is cut on resume).</param>
/// <param name="InputSha256">Running hash of the records' texts.</param>
internal sealed record TaskManifest(
    [property: JsonPropertyName("job")] string Job,
    [property: JsonPropertyName("records")] long Records,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("input_sha256")] string InputSha256)
{
    /// <summary>The manifest's path for the partial file <paramref name="partial"/>.</summary>
    public static string PathOf(string partial) => partial + ".json";

    /// <summary>Reads the manifest at <paramref name="path"/>, or null when there is none.</summary>
    /// <exception cref="CliException">It cannot be read as a manifest.</exception>
    public static TaskManifest? Read(string path)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<TaskManifest>(File.ReadAllBytes(path))
                ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new CliException($"{path}: not a job manifest this program wrote; pass --overwrite to start over.");
        }
    }

    /// <summary>Writes the manifest to <paramref name="path"/> through a temporary file and a rename, so it is never torn.</summary>
    public void Write(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(this));
        File.Move(temporary, path, overwrite: true);
    }
}
