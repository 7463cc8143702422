using System.Globalization;
using System.Text;
using Bert.Gpu.Tokenization.PreTokenizers;

namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>
/// A regex that is one character class repeated at least once (<c> {2,}</c>, <c>\s+</c>, <c>[^ \t\n]+</c>, <c>-{3}</c>),
/// matched by a hand-written scan: the shape tokenizer.json's Replace and Split patterns almost always have, and one
/// .NET's linear-time engine runs at microseconds per character when a match is long (a minute for 10 MB of spaces).
/// </summary>
/// <remarks>
/// Greedy and leftmost like Oniguruma: a match starts at the first position whose run of class characters is long
/// enough and takes up to the maximum count; a run too short holds no match. <c>\s</c> is HF's Oniguruma \s
/// (measured, <see cref="OnigCharClasses"/>); <c>\d</c> and <c>\w</c> follow .NET's Unicode categories.
/// </remarks>
internal sealed class RunPattern
{
    private readonly List<(int First, int Last)> _ranges;
    private readonly List<Func<int, bool>> _tests;
    private readonly bool _negated;
    private readonly int _min, _max;

    private RunPattern(List<(int, int)> ranges, List<Func<int, bool>> tests, bool negated, int min, int max)
    {
        _ranges = ranges;
        _tests = tests;
        _negated = negated;
        _min = min;
        _max = max;
    }

    /// <summary>The pattern if <paramref name="regex"/> has this shape (at least one repetition), else null.</summary>
    public static RunPattern? TryParse(string regex)
    {
        var ranges = new List<(int, int)>();
        var tests = new List<Func<int, bool>>();
        var negated = false;
        var at = 0;
        if (regex.Length == 0) return null;
        if (regex[0] == '[')
        {
            at = 1;
            if (at < regex.Length && regex[at] == '^')
            {
                negated = true;
                at++;
            }
            var first = true;
            while (at < regex.Length && (regex[at] != ']' || first))
            {
                first = false;
                if (!Atom(regex, ref at, inClass: true, ranges, tests, out var cp)) return null;
                if (cp >= 0 && at + 1 < regex.Length && regex[at] == '-' && regex[at + 1] != ']')
                {
                    at++;
                    if (!Atom(regex, ref at, inClass: true, ranges, tests, out var last) || last < cp) return null;
                    ranges.RemoveAt(ranges.Count - 1);
                    ranges.Add((cp, last));
                }
            }
            if (at >= regex.Length) return null;
            at++;
        }
        else if (!Atom(regex, ref at, inClass: false, ranges, tests, out _))
        {
            return null;
        }
        if (!Quantifier(regex.AsSpan(at), out var min, out var max) || min < 1) return null;
        return new RunPattern(ranges, tests, negated, min, max);
    }

    /// <summary>Appends the (start, length) of each match in <paramref name="text"/>.</summary>
    public void Matches(ReadOnlySpan<char> text, List<(int Start, int Length)> matches)
    {
        var i = 0;
        while (i < text.Length)
        {
            if (!IsIn(text, i, out var units))
            {
                i += units;
                continue;
            }
            // A run of class characters: as many matches of up to _max characters as fit, each of at least _min.
            var count = 0;
            var matchStart = i;
            while (i < text.Length && IsIn(text, i, out units))
            {
                i += units;
                if (++count == _max)
                {
                    matches.Add((matchStart, i - matchStart));
                    matchStart = i;
                    count = 0;
                }
            }
            if (count >= _min) matches.Add((matchStart, i - matchStart));
        }
    }

    private bool IsIn(ReadOnlySpan<char> text, int i, out int units)
    {
        Rune.DecodeFromUtf16(text[i..], out var rune, out units);
        var cp = rune.Value;
        var found = false;
        foreach (var (first, last) in _ranges)
        {
            if (cp >= first && cp <= last)
            {
                found = true;
                break;
            }
        }
        if (!found)
        {
            foreach (var test in _tests)
            {
                if (test(cp))
                {
                    found = true;
                    break;
                }
            }
        }
        return found != _negated;
    }

    // One literal character, escape or class shorthand; `cp` is the literal's code point, -1 for a shorthand.
    private static bool Atom(string regex, ref int at, bool inClass, List<(int, int)> ranges, List<Func<int, bool>> tests, out int cp)
    {
        cp = -1;
        if (at >= regex.Length) return false;
        var c = regex[at];
        if (c == '\\')
        {
            if (at + 1 >= regex.Length) return false;
            var e = regex[at + 1];
            at += 2;
            switch (e)
            {
                case 's': tests.Add(IsSpace); return true;
                case 'S': tests.Add(x => !IsSpace(x)); return true;
                case 'd': tests.Add(IsDigit); return true;
                case 'D': tests.Add(x => !IsDigit(x)); return true;
                case 'w': tests.Add(IsWord); return true;
                case 'W': tests.Add(x => !IsWord(x)); return true;
                case 't': cp = '\t'; break;
                case 'n': cp = '\n'; break;
                case 'r': cp = '\r'; break;
                case 'f': cp = '\f'; break;
                case 'v': cp = '\v'; break;
                default:
                    // Only punctuation escapes stand for themselves; \b, \p{..}, \x.. and the like are left to .NET.
                    if (char.IsAsciiLetterOrDigit(e) || e > 0x7F) return false;
                    cp = e;
                    break;
            }
            ranges.Add((cp, cp));
            return true;
        }
        if (!inClass && "^$.|?*+()[]{}".Contains(c)) return false;
        if (inClass && c is '[' or '&') return false;
        Rune.DecodeFromUtf16(regex.AsSpan(at), out var rune, out var units);
        at += units;
        cp = rune.Value;
        ranges.Add((cp, cp));
        return true;
    }

    // +, {n}, {n,}, {n,m}: greedy only (a trailing ? or + makes it lazy or possessive, left to .NET).
    private static bool Quantifier(ReadOnlySpan<char> q, out int min, out int max)
    {
        (min, max) = (1, int.MaxValue);
        if (q is "+") return true;
        if (q.Length < 3 || q[0] != '{' || q[^1] != '}') return false;
        var body = q[1..^1];
        var comma = body.IndexOf(',');
        if (comma < 0)
        {
            if (!int.TryParse(body, NumberStyles.None, CultureInfo.InvariantCulture, out min)) return false;
            max = min;
            return true;
        }
        if (!int.TryParse(body[..comma], NumberStyles.None, CultureInfo.InvariantCulture, out min)) return false;
        if (comma == body.Length - 1) return true;
        return int.TryParse(body[(comma + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out max) && max >= min && max > 0;
    }

    private static bool IsSpace(int cp) => OnigCharClasses.Of(cp) == OnigCharClass.Space;

    private static bool IsDigit(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.DecimalDigitNumber;

    private static bool IsWord(int cp) => cp == '_' || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
        or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
        or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.ConnectorPunctuation;
}
