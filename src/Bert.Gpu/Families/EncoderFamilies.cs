using Bert.Gpu.Model;

namespace Bert.Gpu.Families;

/// <summary>Every family, by <c>model_type</c>.</summary>
internal static class EncoderFamilies
{
    private static readonly EncoderFamily[] All = [new BertFamily(), new DistilBertFamily(), new RobertaFamily(), new AlbertFamily(), new ElectraFamily()];

    /// <summary>Every <c>model_type</c> read, for messages.</summary>
    public static IEnumerable<string> ModelTypes => All.SelectMany(f => f.ModelTypes);

    /// <summary>The family of <paramref name="modelType"/>.</summary>
    /// <exception cref="ModelFormatException">No family reads it (named, with the ones that are read).</exception>
    public static EncoderFamily For(string? modelType, string path) =>
        All.FirstOrDefault(f => f.ModelTypes.Contains(modelType))
        ?? throw new ModelFormatException(path, $"model_type is '{modelType ?? "(missing)"}'; the encoders read are {string.Join(", ", ModelTypes)}.");
}
