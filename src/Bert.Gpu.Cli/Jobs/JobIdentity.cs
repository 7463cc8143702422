namespace Bert.Gpu.Cli.Jobs;

/// <summary>
/// Everything that decides an embed job's rows, besides the texts themselves: two runs with equal identities give
/// the same rows for the same input, so one may continue the other's partial output. Each member is named after the
/// option a user would change.
/// </summary>
internal sealed record JobIdentity(
    string Model,
    string ModelHash,
    int Width,
    string Pooling,
    bool Normalize,
    int MaxLength,
    string LongText,
    int? Stride,
    string InputFormat,
    string? TextField,
    string? TextColumn,
    string? IdsField = null,
    string? Precision = null)
{
    /// <summary>What differs between <paramref name="earlier"/> (the partial's) and this run's, in the user's terms; empty when resumable.</summary>
    public IReadOnlyList<string> Differences(JobIdentity earlier)
    {
        var changes = new List<string>();
        void Compare<T>(string option, T before, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(before, now))
                changes.Add($"{option} was {Show(before)}, now {Show(now)}");
        }

        if (earlier.ModelHash != ModelHash)
            changes.Add(earlier.Model == Model
                ? $"the model '{Model}' changed (its weights, vocabulary or configuration hash differently)"
                : $"--model was '{earlier.Model}', now '{Model}'");
        Compare("the embedding width", earlier.Width, Width);
        Compare("--pooling", earlier.Pooling, Pooling);
        Compare("normalization (--no-normalize)", earlier.Normalize ? "on" : "off", Normalize ? "on" : "off");
        Compare("--max-length", earlier.MaxLength, MaxLength);
        Compare("--long-text", earlier.LongText, LongText);
        Compare("--stride", earlier.Stride, Stride);
        Compare("the input format", earlier.InputFormat, InputFormat);
        Compare("--text-field", earlier.TextField, TextField);
        Compare("--text-column", earlier.TextColumn, TextColumn);
        Compare("--ids-field", earlier.IdsField, IdsField);
        Compare("--precision", earlier.Precision, Precision);
        return changes;
    }

    private static string Show<T>(T value) => value is null ? "(none)" : value.ToString()!;
}
