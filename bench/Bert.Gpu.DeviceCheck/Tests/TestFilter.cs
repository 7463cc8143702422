using Xunit.Abstractions;

namespace Bert.Gpu.DeviceCheck.Tests;

/// <summary>
/// The part of <c>dotnet test --filter</c> the device runs need: terms joined by <c>&amp;</c>, each <c>KEY=VALUE</c>,
/// <c>KEY!=VALUE</c>, <c>KEY~VALUE</c> (contains) or <c>KEY!~VALUE</c>, where KEY is <c>FullyQualifiedName</c>
/// (<c>Namespace.Class.Method</c>), <c>DisplayName</c> or a trait name (<c>Category</c>, <c>Needs</c>). A test passes a
/// trait term when any of its values for that trait matches; <c>!=</c> and <c>!~</c> pass when none does.
/// </summary>
internal sealed class TestFilter
{
    private readonly List<(string Key, string Op, string Value)> _terms = [];

    public TestFilter(string expression)
    {
        Expression = expression;
        foreach (var term in expression.Split('&', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var op = new[] { "!=", "!~", "=", "~" }.FirstOrDefault(o => term.Contains(o, StringComparison.Ordinal))
                ?? throw new ArgumentException($"Filter term '{term}' has no =, !=, ~ or !~.");
            var at = term.IndexOf(op, StringComparison.Ordinal);
            var (key, value) = (term[..at].Trim(), term[(at + op.Length)..].Trim());
            if (key.Length == 0 || value.Length == 0 || value.IndexOfAny(['|', '(', ')']) >= 0)
                throw new ArgumentException($"Filter term '{term}' is not KEY{op}VALUE (| and parentheses are not supported).");
            _terms.Add((key, op, value));
        }
    }

    public string Expression { get; }

    public bool Matches(ITestCase test)
    {
        foreach (var (key, op, value) in _terms)
        {
            IEnumerable<string> candidates = key switch
            {
                "FullyQualifiedName" => [$"{test.TestMethod.TestClass.Class.Name}.{test.TestMethod.Method.Name}"],
                "DisplayName" => [test.DisplayName],
                _ => test.Traits.TryGetValue(key, out var values) ? values : [],
            };
            var any = candidates.Any(c => op.EndsWith('~') ? c.Contains(value, StringComparison.Ordinal) : c == value);
            if (any == op.StartsWith('!'))
                return false;
        }
        return true;
    }
}
