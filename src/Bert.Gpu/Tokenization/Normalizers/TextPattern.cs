using System.Text.RegularExpressions;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>
/// A Replace or Split pattern: a literal string, a repeated character class (<see cref="RunPattern"/>, scanned by
/// hand), or any other regular expression, run by .NET's linear-time engine.
/// </summary>
internal sealed class TextPattern
{
    private readonly string? _literal;
    private readonly RunPattern? _run;
    private readonly Regex? _regex;

    private TextPattern(string? literal, RunPattern? run, Regex? regex)
    {
        _literal = literal;
        _run = run;
        _regex = regex;
    }

    /// <summary>A pattern matching <paramref name="literal"/> exactly.</summary>
    public static TextPattern Literal(string literal) => new(literal, null, null);

    /// <summary>
    /// A pattern for <paramref name="regex"/>, which HF runs on Oniguruma. Beyond a <see cref="RunPattern"/>,
    /// <see cref="RegexOptions.NonBacktracking"/> keeps any input linear (if slow on very long matches), at the price
    /// of lookarounds and backreferences, which it rejects.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern is not valid for that engine.</exception>
    public static TextPattern Regex(string regex) => RunPattern.TryParse(regex) is { } run
        ? new(null, run, null)
        : new(null, null, new Regex(regex, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture));

    /// <summary>Appends the (start, length) of each match, leftmost first and non-overlapping, as HF's find_iter yields them.</summary>
    public void Matches(ReadOnlySpan<char> text, List<(int Start, int Length)> matches)
    {
        if (_literal is not null)
        {
            // HF escapes a literal into a regex; an empty one matches nothing.
            if (_literal.Length == 0) return;
            for (var at = 0; at <= text.Length - _literal.Length;)
            {
                var next = text[at..].IndexOf(_literal, StringComparison.Ordinal);
                if (next < 0) break;
                matches.Add((at + next, _literal.Length));
                at += next + _literal.Length;
            }
            return;
        }
        if (_run is not null)
        {
            _run.Matches(text, matches);
            return;
        }
        // Empty matches too: Replace inserts its content there, as HF does.
        foreach (var match in _regex!.EnumerateMatches(text)) matches.Add((match.Index, match.Length));
    }
}
