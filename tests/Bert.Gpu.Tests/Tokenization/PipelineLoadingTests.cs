using System.Text.Json.Nodes;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Tokenization;

/// <summary>Loading tokenizer.json pipelines: what the interface reports, and the errors for what is not supported.</summary>
public sealed class PipelineLoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-pipeline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Roberta_ReportsItsSpecialTokens()
    {
        File.Copy(TokenizerTestData.PipelinePath("roberta.tokenizer.json"), Path.Combine(_dir, "tokenizer.json"));
        var tokenizer = Tokenizers.FromDirectory(_dir);
        Assert.Equal(new SpecialTokenIds(Cls: 0, Sep: 2, Pad: 1, Mask: tokenizer.TokenToId("<mask>"), Unk: null), tokenizer.SpecialIds);
        Assert.Equal(tokenizer.TokenToId("<mask>") + 1, tokenizer.VocabSize);
        Assert.Equal((2, 4), (tokenizer.SpecialTokenCount(false), tokenizer.SpecialTokenCount(true)));
        Assert.Equal("</s>", tokenizer.IdToToken(2));
        Assert.Equal(2, tokenizer.TokenToId("</s>"));
        Assert.Null(tokenizer.TokenToId("no such token"));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.IdToToken(tokenizer.VocabSize));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("a", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Encode("a", "b", 3));
        var encoded = tokenizer.Encode("Hello <mask>!", 16);
        Assert.Equal([0, 2], [encoded.Ids[0], encoded.Ids[^1]]);
        // <mask> takes the space before it (lstrip), and offset trimming gives that space back.
        Assert.Equal(new TokenSpan(6, 12), encoded.Offsets![Array.IndexOf(encoded.Ids, tokenizer.TokenToId("<mask>")!.Value)]);
    }

    [Fact]
    public void Xlmr_ReportsItsSpecialTokens()
    {
        var tokenizer = TokenizerTestData.Pipeline("xlmr");
        Assert.Equal(new SpecialTokenIds(Cls: 0, Sep: 2, Pad: 1, Mask: tokenizer.VocabSize - 1, Unk: 3), tokenizer.SpecialIds);
        Assert.Equal((2, 4), (tokenizer.SpecialTokenCount(false), tokenizer.SpecialTokenCount(true)));
    }

    [Fact]
    public void BertDirectory_LoadsAsBertTokenizer()
    {
        File.Copy(TokenizerTestData.VocabPath, Path.Combine(_dir, "vocab.txt"));
        var tokenizer = Tokenizers.FromDirectory(_dir);
        Assert.IsType<BertTokenizer>(tokenizer);
        Assert.Equal(new SpecialTokenIds(Cls: 101, Sep: 102, Pad: 0, Mask: 103, Unk: 100), tokenizer.SpecialIds);
        Assert.Equal((2, 3), (tokenizer.SpecialTokenCount(false), tokenizer.SpecialTokenCount(true)));
    }

    // Components keep per-thread buffers and shared word caches: many threads at once must give the same encodings.
    [Theory]
    [InlineData("roberta")]
    [InlineData("albert")]
    public void ConcurrentEncoding_MatchesSequential(string pipeline)
    {
        var tokenizer = Tokenizers.FromTokenizerJson(TokenizerTestData.PipelinePath($"{pipeline}.tokenizer.json"));
        var texts = File.ReadLines(TokenizerTestData.PathOf("fortunes.jsonl")).Select(l => System.Text.Json.JsonSerializer.Deserialize<string>(l)!).ToArray();
        var sequential = texts.Select(t => tokenizer.Encode(t, 64)).ToArray();
        var fresh = Tokenizers.FromTokenizerJson(TokenizerTestData.PipelinePath($"{pipeline}.tokenizer.json"));
        var parallel = new TokenizedText[texts.Length];
        Parallel.For(0, texts.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i % texts.Length] = fresh.Encode(texts[i % texts.Length], 64));
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(sequential[i].Ids, parallel[i].Ids);
            Assert.Equal(sequential[i].Offsets, parallel[i].Offsets);
        }
    }

    [Fact]
    public void UnsupportedPreTokenizer_NamesItsPathAndTheSupportedOnes()
    {
        var e = Rejected("roberta", root => root["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(new JsonObject { ["type"] = "WhitespaceSplit" }, new JsonObject { ["type"] = "UnicodeScripts" }),
        });
        Assert.Contains("pre_tokenizer.pretokenizers[1].type is \"UnicodeScripts\"", e.Problem);
        Assert.Contains("supported: ByteLevel, Metaspace", e.Problem);
    }

    [Fact]
    public void UnsupportedModel_IsNamed()
    {
        var e = Rejected("roberta", root => root["model"]!["type"] = "WordLevel");
        Assert.Contains("model.type is \"WordLevel\"", e.Problem);
        Assert.Contains("BPE, Unigram", e.Problem);
    }

    [Fact]
    public void UnsupportedNormalizerInASequence_IsNamed()
    {
        var e = Rejected("xlmr", root => root["normalizer"]!["normalizers"]![1] = new JsonObject { ["type"] = "ByteLevel" });
        Assert.Contains("normalizer.normalizers[1].type is \"ByteLevel\"", e.Problem);
    }

    [Fact]
    public void UnsupportedPostProcessor_IsNamed()
    {
        var e = Rejected("roberta", root => root["post_processor"] = new JsonObject { ["type"] = "Sequence", ["processors"] = new JsonArray() });
        Assert.Contains("post_processor.type is \"Sequence\"", e.Problem);
        Assert.Contains("TemplateProcessing", e.Problem);
    }

    [Fact]
    public void MergeOfUnknownToken_IsNamed()
    {
        var e = Rejected("roberta", root => root["model"]!["merges"]![3] = "Ġt zzqzz");
        Assert.Contains("model.merges[3] uses \"zzqzz\", which is not in model.vocab", e.Problem);
    }

    [Fact]
    public void Dropout_IsRejected()
    {
        var e = Rejected("roberta", root => root["model"]!["dropout"] = 0.1);
        Assert.Contains("model.dropout is 0.1", e.Problem);
    }

    [Fact]
    public void LookaroundRegex_IsRejectedWithItsPattern()
    {
        var e = Rejected("xlmr", root => root["normalizer"]!["normalizers"]![1]!["pattern"] = new JsonObject { ["Regex"] = "\\s+(?!\\S)" });
        Assert.Contains("normalizer.normalizers[1].pattern.Regex is /\\s+(?!\\S)/", e.Problem);
        Assert.Contains("lookarounds", e.Problem);
    }

    [Fact]
    public void BadCharsMap_IsRejected()
    {
        var e = Rejected("xlmr", root => root["normalizer"]!["normalizers"]![0]!["precompiled_charsmap"] = "AAAA");
        Assert.Contains("normalizer.normalizers[0].precompiled_charsmap", e.Problem);
    }

    [Fact]
    public void MissingModel_IsNamed()
    {
        var e = Rejected("roberta", root => root.AsObject().Remove("model"));
        Assert.Contains("has no \"model\"", e.Problem);
    }

    private ModelFormatException Rejected(string pipeline, Action<JsonNode> edit)
    {
        var root = JsonNode.Parse(File.ReadAllText(TokenizerTestData.PipelinePath($"{pipeline}.tokenizer.json")))!;
        edit(root);
        var path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, root.ToJsonString());
        var e = Assert.Throws<ModelFormatException>(() => Tokenizers.FromTokenizerJson(path));
        Assert.Equal(path, e.Source);
        return e;
    }
}
