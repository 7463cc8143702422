using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Tokenization;

/// <summary>Paths of the committed tokenizer test data (tests/data/tokenizer) and tokenizers built on it.</summary>
internal static class TokenizerTestData
{
    public static string Directory { get; } = Path.Combine(FindRepoRoot(), "tests", "data", "tokenizer");

    public static string VocabPath => Path.Combine(Directory, "vocab-uncased.txt");

    public static BertTokenizer Uncased { get; } = BertTokenizer.FromVocabFile(VocabPath, BertNormalizerOptions.Uncased);

    public static BertTokenizer Cased { get; } = BertTokenizer.FromVocabFile(VocabPath, BertNormalizerOptions.Cased);

    public static string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>A file of tests/data/tokenizer/pipelines (gen-pipelines.js).</summary>
    public static string PipelinePath(string file) => Path.Combine(Directory, "pipelines", file);

    /// <summary>The tokenizer of pipelines/NAME.tokenizer.json, loaded once.</summary>
    public static ITokenizer Pipeline(string name) => Pipelines.GetOrAdd(name, n => Tokenizers.FromTokenizerJson(PipelinePath($"{n}.tokenizer.json")));

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, ITokenizer> Pipelines = new();

    // Test binaries run from bin/<config>/<tfm>; the data stays in the source tree beside the solution.
    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (dir.EnumerateFiles("Bert.Gpu.sln*").Any()) return dir.FullName;
        }
        throw new InvalidOperationException($"No Bert.Gpu.sln above {AppContext.BaseDirectory}; run the tests from the repository checkout.");
    }
}
