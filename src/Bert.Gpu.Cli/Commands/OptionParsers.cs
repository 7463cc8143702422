using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Bert.Gpu.Cli.Commands;

/// <summary>
/// Options whose bad values are reported in the user's terms — <c>--max-length 'abc': not a whole number</c> — rather
/// than System.CommandLine's, which name .NET types (<c>System.Nullable`1[System.Int32]</c>, <c>Bert.Gpu.Model.PoolingMode</c>).
/// </summary>
internal static class OptionParsers
{
    /// <summary>An optional whole number in [<paramref name="min"/>, <paramref name="max"/>]; absent = null.</summary>
    public static Option<int?> OptionalInt(string name, string description, int min, int max = int.MaxValue) => new(name)
    {
        Description = description,
        CustomParser = result => ParseInt(result, name, min, max),
    };

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>] with a default.</summary>
    public static Option<int> Int(string name, string description, int defaultValue, int min, int max = int.MaxValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseInt(result, name, min, max) ?? defaultValue,
    };

    /// <summary>A number of bytes, at least 1: a whole number, or one with a binary suffix (<c>512MiB</c>, <c>1GiB</c>, <c>64KiB</c>).</summary>
    public static Option<long> Bytes(string name, string description, long defaultValue) => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseBytes(result, name) ?? defaultValue,
    };

    /// <summary>One of <typeparamref name="T"/>'s names, any case; absent = null.</summary>
    public static Option<T?> OptionalEnum<T>(string name, string description) where T : struct, Enum => new(name)
    {
        Description = description,
        CustomParser = result => ParseEnum<T>(result, name),
    };

    /// <summary>One of <typeparamref name="T"/>'s names, any case, with a default.</summary>
    public static Option<T> Enum<T>(string name, string description, T defaultValue) where T : struct, Enum => new(name)
    {
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseEnum<T>(result, name) ?? defaultValue,
    };

    /// <summary>The names a user writes for <typeparamref name="T"/>'s values: lower case.</summary>
    public static string Choices<T>() where T : struct, Enum => string.Join(", ", System.Enum.GetNames<T>().Select(n => n.ToLowerInvariant()));

    private static int? ParseInt(ArgumentResult result, string name, int min, int max)
    {
        if (result.Tokens.Count == 0)
            return null;
        var text = result.Tokens[0].Value;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{name} '{text}': not a whole number.");
            return null;
        }
        if (value < min || value > max)
        {
            result.AddError(max != int.MaxValue ? $"{name} {text}: must be between {min} and {max}."
                : value < min ? $"{name} {text}: must be at least {min}."
                : $"{name} {text}: too large (at most {int.MaxValue}).");
            return null;
        }
        return (int)value;
    }

    private static readonly (string Suffix, int Shift)[] ByteSuffixes = [("KiB", 10), ("MiB", 20), ("GiB", 30), ("TiB", 40)];

    private static long? ParseBytes(ArgumentResult result, string name)
    {
        if (result.Tokens.Count == 0)
            return null;
        var text = result.Tokens[0].Value;
        var (digits, shift) = (text, 0);
        foreach (var (suffix, bits) in ByteSuffixes)
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                (digits, shift) = (text[..^suffix.Length], bits);
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > long.MaxValue >> shift)
        {
            result.AddError($"{name} '{text}': not a positive number of bytes (e.g. 1073741824, 512MiB, 1GiB).");
            return null;
        }
        return value << shift;
    }

    private static T? ParseEnum<T>(ArgumentResult result, string name) where T : struct, Enum
    {
        if (result.Tokens.Count == 0)
            return null;
        var text = result.Tokens[0].Value;
        // Names only: Enum.TryParse would also take "1" or "Mean, Max".
        foreach (var value in System.Enum.GetValues<T>())
            if (string.Equals(value.ToString(), text, StringComparison.OrdinalIgnoreCase))
                return value;
        result.AddError($"{name} '{text}': choose one of {Choices<T>()}.");
        return null;
    }
}
