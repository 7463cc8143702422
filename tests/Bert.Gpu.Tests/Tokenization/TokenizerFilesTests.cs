using System.Text.Json;
using System.Text.Json.Nodes;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Tokenization;

/// <summary>Loading from HF model directories, and the errors for files that are not a BERT tokenizer.</summary>
public sealed class TokenizerFilesTests : IDisposable
{
    private static readonly string[] SmallVocab = ["[PAD]", "<unk>", "[CLS]", "[SEP]", "[MASK]", "un", "@@aff", "@@able", "hello", ",", "é", "e"];

    private readonly string _dir = Directory.CreateTempSubdirectory("bert-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TokenizerJson_SettingsAreRead()
    {
        WriteTokenizerJson(SmallVocab, lowercase: false, unk: "<unk>", prefix: "@@", maxChars: 9);
        var tokenizer = BertTokenizer.FromDirectory(_dir);

        Assert.Equal(12, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.UnkId);
        Assert.Equal(["un", "@@aff", "@@able", "hello", ",", "<unk>", "é"], tokenizer.Tokenize("unaffable hello, Hello é"));
        // 10 characters exceed max_input_chars_per_word = 9: one unknown token, even though the pieces exist.
        Assert.Equal(["<unk>"], tokenizer.Tokenize("unaffable" + "e"));
        Assert.Equal([2, 8, 3, 4, 3], tokenizer.Encode("hello", "[MASK]", 16).Ids);
    }

    [Fact]
    public void TokenizerJson_WithTheUncasedVocab_EncodesLikeTheFixtureTokenizer()
    {
        WriteTokenizerJson(File.ReadAllLines(TokenizerTestData.VocabPath), lowercase: false, unk: "[UNK]", prefix: "##", maxChars: 100);
        var fromJson = BertTokenizer.FromDirectory(_dir);
        const string text = "Café naïve [SEP] ΣΊΣΥΦΟΣ 漢字 \u0000x \U0001F600 <=> İ";
        Assert.Equal(TokenizerTestData.Cased.Encode(text, 64).Ids, fromJson.Encode(text, 64).Ids);
    }

    [Fact]
    public void VocabTxt_UsesTokenizerConfig()
    {
        File.Copy(TokenizerTestData.VocabPath, Path.Combine(_dir, "vocab.txt"));
        File.WriteAllText(Path.Combine(_dir, "tokenizer_config.json"), """{ "do_lower_case": false, "model_max_length": 512 }""");
        var tokenizer = BertTokenizer.FromDirectory(_dir);
        Assert.False(tokenizer.Options.Lowercase);
        Assert.Equal(TokenizerTestData.Cased.Encode("Hello World", 16).Ids, tokenizer.Encode("Hello World", 16).Ids);
    }

    [Fact]
    public void VocabTxt_WithoutConfig_IsUncased()
    {
        File.Copy(TokenizerTestData.VocabPath, Path.Combine(_dir, "vocab.txt"));
        Assert.Equal(["hello", "world", "!"], BertTokenizer.FromDirectory(_dir).Tokenize("Hello WORLD!"));
    }

    [Fact]
    public void EmptyDirectory_SaysWhichFilesAreNeeded()
    {
        var e = Assert.Throws<ModelFormatException>(() => BertTokenizer.FromDirectory(_dir));
        Assert.Equal(_dir, e.Source);
        Assert.Contains("neither tokenizer.json nor vocab.txt", e.Problem);
    }

    [Fact]
    public void EmptyVocab_IsRejected()
    {
        var path = Path.Combine(_dir, "vocab.txt");
        File.WriteAllText(path, "");
        var e = Assert.Throws<ModelFormatException>(() => BertTokenizer.FromVocabFile(path, BertNormalizerOptions.Uncased));
        Assert.Equal(path, e.Source);
        Assert.Contains("empty", e.Problem);
    }

    [Fact]
    public void VocabWithoutCls_NamesTheMissingToken()
    {
        var e = Assert.Throws<ModelFormatException>(() => BertTokenizer.FromVocab(["[UNK]", "[SEP]", "a"], BertNormalizerOptions.Uncased, "my-vocab.txt"));
        Assert.Equal("my-vocab.txt", e.Source);
        Assert.Contains("[CLS]", e.Problem);
    }

    [Fact]
    public void TokenizerJson_NonWordPieceModel_IsRejected()
    {
        var path = WriteTokenizerJson(SmallVocab, lowercase: true, unk: "<unk>", prefix: "@@", maxChars: 100, model: "BPE");
        var e = Assert.Throws<ModelFormatException>(() => BertTokenizer.FromDirectory(_dir));
        Assert.Equal(path, e.Source);
        Assert.Contains("\"BPE\"", e.Problem);
        Assert.Contains("WordPiece", e.Problem);
    }

    [Fact]
    public void TokenizerJson_Malformed_GivesTheLine()
    {
        var path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, "{\n  \"model\": {\n    \"type\": \"WordPiece\",,\n  }\n}");
        var e = Assert.Throws<ModelFormatException>(() => BertTokenizer.FromDirectory(_dir));
        Assert.Equal(path, e.Source);
        Assert.Contains("line 3", e.Problem);
    }

    [Fact]
    public void TokenizerJson_UnsupportedAddedToken_IsNamed()
    {
        var path = WriteTokenizerJson(SmallVocab, lowercase: true, unk: "<unk>", prefix: "@@", maxChars: 100, maskLstrip: true);
        var e = Assert.Throws<ModelFormatException>(() => BertTokenizer.FromDirectory(_dir));
        Assert.Equal(path, e.Source);
        Assert.Contains("[MASK]", e.Problem);
        Assert.Contains("lstrip", e.Problem);
    }

    [Fact]
    public void TokenizerJson_IdGap_IsRejected()
    {
        var path = WriteTokenizerJson(SmallVocab, lowercase: true, unk: "<unk>", prefix: "@@", maxChars: 100);
        var root = JsonNode.Parse(File.ReadAllText(path))!;
        root["model"]!["vocab"]!["e"] = 40;
        File.WriteAllText(path, root.ToJsonString());
        var e = Assert.Throws<ModelFormatException>(() => BertTokenizer.FromDirectory(_dir));
        Assert.Contains("\"e\" id 40", e.Problem);
    }

    private string WriteTokenizerJson(IReadOnlyList<string> vocab, bool lowercase, string unk, string prefix, int maxChars, string model = "WordPiece", bool maskLstrip = false)
    {
        var added = new JsonArray();
        foreach (var special in (string[])["[PAD]", unk, "[CLS]", "[SEP]", "[MASK]"])
        {
            added.Add(new JsonObject
            {
                ["id"] = vocab.ToList().IndexOf(special), ["content"] = special, ["single_word"] = false,
                ["lstrip"] = maskLstrip && special == "[MASK]", ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        }
        var vocabObject = new JsonObject();
        for (var i = 0; i < vocab.Count; i++) vocabObject[vocab[i]] = i;
        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["normalizer"] = new JsonObject { ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = lowercase },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["model"] = new JsonObject
            {
                ["type"] = model, ["unk_token"] = unk, ["continuing_subword_prefix"] = prefix, ["max_input_chars_per_word"] = maxChars, ["vocab"] = vocabObject,
            },
        };
        var path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }
}
