using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Fuzz.Targets;

/// <summary>
/// The tokenizer-file readers (<see cref="TokenizerFiles"/>) on any bytes: a file they reject is a
/// <see cref="ModelFormatException"/>; a tokenizer they return must then encode any text without failing.
/// </summary>
internal static class TokenizerFilesTargets
{
    // Specials, accents, CJK, a long word, punctuation and emoji: the paths an odd vocabulary or option could break.
    private static readonly string[] Texts =
    [
        "", "Hello, World! [SEP] [UNK]x [MASK]", "naïve Café ÅNGSTRÖM 日本語 ##ab", new string('a', 150), "I ❤️ 🙂 tok5 tok6tok7 ,.;",
    ];

    public static FuzzTarget Json { get; } = new("tokenizer-json",
        "bytes as tokenizer.json -> TokenizerFiles.Load; only ModelFormatException; a tokenizer it returns encodes test texts within its vocabulary",
        input => Run("tokenizer-json", ("tokenizer.json", input)));

    public static FuzzTarget Vocab { get; } = new("tokenizer-vocab",
        "bytes -> vocab.txt (and, before a 0xFF byte, tokenizer_config.json) -> TokenizerFiles.Load; as tokenizer-json",
        input =>
        {
            var split = Array.IndexOf(input, (byte)0xFF);
            if (split < 0)
                Run("tokenizer-vocab", ("vocab.txt", input));
            else
                Run("tokenizer-vocab", ("tokenizer_config.json", input[..split]), ("vocab.txt", input[(split + 1)..]));
        });

    public static FuzzTarget Pipeline { get; } = new("tokenizer-pipeline",
        "bytes as tokenizer.json -> TokenizerFiles.FromTokenizerJson (any pipeline: WordPiece, BPE, Unigram); only ModelFormatException; " +
        "a tokenizer it returns keeps ids in its vocabulary, lengths within the bound, offsets within the text",
        input =>
        {
            var path = Path.Combine(ScratchFolder.Folder("tokenizer-pipeline", "tokenizer.json"), "tokenizer.json");
            File.WriteAllBytes(path, input);
            ITokenizer? tokenizer = null;
            Expected.Only<ModelFormatException>(() => tokenizer = TokenizerFiles.FromTokenizerJson(path));
            if (tokenizer is null)
                return;
            foreach (var text in Texts)
            {
                EncodingChecks.Bounded(tokenizer, text, tokenizer.Encode(text, 16 + tokenizer.SpecialTokenCount(false)), 16 + tokenizer.SpecialTokenCount(false));
                EncodingChecks.Bounded(tokenizer, text + Texts[1], tokenizer.Encode(text, Texts[1], 16 + tokenizer.SpecialTokenCount(true)), 16 + tokenizer.SpecialTokenCount(true));
            }
        });

    private static void Run(string folderName, params (string Name, byte[] Bytes)[] files)
    {
        var folder = ScratchFolder.Folder(folderName, "tokenizer.json", "vocab.txt", "tokenizer_config.json");
        foreach (var (name, bytes) in files)
            File.WriteAllBytes(Path.Combine(folder, name), bytes);
        BertTokenizer? tokenizer = null;
        Expected.Only<ModelFormatException>(() => tokenizer = TokenizerFiles.Load(folder));
        if (tokenizer is null)
            return;
        foreach (var text in Texts)
        {
            EncodingChecks.Single(tokenizer, text, 16);
            EncodingChecks.Pair(tokenizer, text, Texts[1], 16);
        }
    }
}
