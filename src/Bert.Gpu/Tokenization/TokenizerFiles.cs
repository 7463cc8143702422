using System.Text.Json;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization.Json;

namespace Bert.Gpu.Tokenization;

/// <summary>Reads a tokenizer from HuggingFace's files: tokenizer.json, or vocab.txt with tokenizer_config.json.</summary>
internal static class TokenizerFiles
{
    /// <summary>Loads BERT's WordPiece tokenizer: <c>tokenizer.json</c> from <paramref name="directory"/> if present, else <c>vocab.txt</c> (+ <c>tokenizer_config.json</c>).</summary>
    public static BertTokenizer Load(string directory)
    {
        var json = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(json)) return BertFromTokenizerJson(json);
        return FromVocabDirectory(directory);
    }

    /// <summary>Loads any supported tokenizer: <c>tokenizer.json</c> from <paramref name="directory"/> if present, else BERT's <c>vocab.txt</c> (+ <c>tokenizer_config.json</c>).</summary>
    public static ITokenizer LoadAny(string directory)
    {
        var json = Path.Combine(directory, "tokenizer.json");
        return File.Exists(json) ? FromTokenizerJson(json) : FromVocabDirectory(directory);
    }

    /// <summary>The tokenizer a <c>tokenizer.json</c> describes: BERT's WordPiece pipeline as a <see cref="BertTokenizer"/>, BPE and Unigram pipelines as a <see cref="PipelineTokenizer"/>.</summary>
    public static ITokenizer FromTokenizerJson(string path)
    {
        using var doc = Parse(path);
        var root = doc.RootElement;
        if (Object(root, "model", path) is { } model && String(model, "type", path) == "WordPiece")
            return BertFromTokenizerJson(root, path);
        return new PipelineTokenizer(TokenizerJsonReader.Read(new JsonAt(root, "", path)));
    }

    private static BertTokenizer FromVocabDirectory(string directory)
    {
        var vocab = Path.Combine(directory, "vocab.txt");
        if (!File.Exists(vocab))
            throw new ModelFormatException(directory, "has neither tokenizer.json nor vocab.txt; copy the model's tokenizer files into this directory.");
        var config = Path.Combine(directory, "tokenizer_config.json");
        var options = File.Exists(config) ? OptionsFromConfig(config) : BertNormalizerOptions.Uncased;
        return new BertTokenizer(ReadVocabFile(vocab), options, vocab);
    }

    /// <summary>The lines of a vocab.txt, id = line number; trailing whitespace (a CR of CRLF files) is not part of a token.</summary>
    public static string[] ReadVocabFile(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"cannot read the vocabulary ({e.Message}).", e);
        }
        if (lines.Length == 0)
            throw new ModelFormatException(path, "the vocabulary is empty; expected one token per line, id = line number.");
        for (var i = 0; i < lines.Length; i++) lines[i] = lines[i].TrimEnd();
        return lines;
    }

    // transformers' BertTokenizerFast settings: do_lower_case, strip_accents, tokenize_chinese_chars.
    private static BertNormalizerOptions OptionsFromConfig(string path)
    {
        using var doc = Parse(path);
        var root = doc.RootElement;
        return new BertNormalizerOptions(
            Lowercase: Bool(root, "do_lower_case", path) ?? true,
            StripAccents: Bool(root, "strip_accents", path),
            HandleChineseChars: Bool(root, "tokenize_chinese_chars", path) ?? true);
    }

    private static BertTokenizer BertFromTokenizerJson(string path)
    {
        using var doc = Parse(path);
        return BertFromTokenizerJson(doc.RootElement, path);
    }

    private static BertTokenizer BertFromTokenizerJson(JsonElement root, string path)
    {
        var model = Object(root, "model", path)
            ?? throw new ModelFormatException(path, "has no \"model\"; expected a HuggingFace tokenizer.json.");
        var type = String(model, "type", path);
        if (type != "WordPiece")
            throw new ModelFormatException(path, $"model.type is \"{type}\", but BertTokenizer reads only BERT's WordPiece; use Tokenizers.FromDirectory, which also reads BPE and Unigram tokenizers.");
        RequireType(root, "pre_tokenizer", "BertPreTokenizer", path);
        var tokens = Vocab(model, path);
        var normalizer = Object(root, "normalizer", path);
        var options = normalizer is { } n ? NormalizerOptions(n, path) : new BertNormalizerOptions(false, false, false, false);
        return new BertTokenizer(tokens, options, path,
            unkToken: String(model, "unk_token", path) ?? "[UNK]",
            continuingSubwordPrefix: String(model, "continuing_subword_prefix", path) ?? "##",
            maxInputCharsPerWord: Int(model, "max_input_chars_per_word", path) ?? 100,
            specialTokens: AddedTokens(root, path),
            decoder: DecoderReader.Read(new JsonAt(root, "", path).Get("decoder")),
            skippedTokens: SpecialAddedTokens(root));
    }

    private static string[] Vocab(JsonElement model, string path)
    {
        var vocab = Object(model, "vocab", path)
            ?? throw new ModelFormatException(path, "model.vocab is missing; expected an object mapping each token to its id.");
        var pairs = new List<(string Token, int Id)>();
        foreach (var p in vocab.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var id) || id < 0)
                throw new ModelFormatException(path, $"model.vocab[\"{p.Name}\"] is {p.Value}, not a token id (a non-negative integer).");
            pairs.Add((p.Name, id));
        }
        var tokens = new string?[pairs.Count];
        foreach (var (token, id) in pairs)
        {
            if (id >= tokens.Length || tokens[id] is not null)
                throw new ModelFormatException(path, $"model.vocab gives \"{token}\" id {id}; the ids must be 0..{tokens.Length - 1}, each used once.");
            tokens[id] = token;
        }
        return tokens!;
    }

    private static BertNormalizerOptions NormalizerOptions(JsonElement normalizer, string path)
    {
        var type = String(normalizer, "type", path);
        if (type != "BertNormalizer")
            throw new ModelFormatException(path, $"normalizer.type is \"{type}\"; only BertNormalizer is supported.");
        return new BertNormalizerOptions(
            Lowercase: Bool(normalizer, "lowercase", path) ?? true,
            StripAccents: Bool(normalizer, "strip_accents", path),
            CleanText: Bool(normalizer, "clean_text", path) ?? true,
            HandleChineseChars: Bool(normalizer, "handle_chinese_chars", path) ?? true);
    }

    // Only the shape BERT's files use is supported: matched verbatim, without stripping or word boundaries.
    private static List<string> AddedTokens(JsonElement root, string path)
    {
        var result = new List<string>();
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind == JsonValueKind.Null) return result;
        if (added.ValueKind != JsonValueKind.Array)
            throw new ModelFormatException(path, "added_tokens is not an array.");
        foreach (var token in added.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Object)
                throw new ModelFormatException(path, $"an entry of added_tokens is {token.ValueKind.ToString().ToLowerInvariant()}, not an object with a \"content\".");
            var content = String(token, "content", path)
                ?? throw new ModelFormatException(path, "an entry of added_tokens has no \"content\".");
            foreach (var flag in (string[])["normalized", "lstrip", "rstrip", "single_word"])
            {
                if (Bool(token, flag, path) == true)
                    throw new ModelFormatException(path, $"added token \"{content}\" sets {flag}: true, which this tokenizer does not support; set it to false if the model allows, or report the model.");
            }
            result.Add(content);
        }
        return result;
    }

    // The added tokens marked special, which decoding may skip; AddedTokens has checked the entries' shape.
    private static List<string> SpecialAddedTokens(JsonElement root) =>
        root.TryGetProperty("added_tokens", out var added) && added.ValueKind == JsonValueKind.Array
            ? [.. added.EnumerateArray()
                .Where(t => t.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True)
                .Select(t => t.GetProperty("content").GetString()!)]
            : [];

    private static void RequireType(JsonElement root, string name, string expected, string path)
    {
        var element = Object(root, name, path);
        var type = element is { } e ? String(e, "type", path) : null;
        if (type != expected)
            throw new ModelFormatException(path, $"{name}.type is \"{type ?? "null"}\", but only {expected} is supported; this is not a BERT tokenizer.json.");
    }

    private static JsonDocument Parse(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var document = JsonDocument.Parse(stream);
            try
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new ModelFormatException(path, $"holds a JSON {document.RootElement.ValueKind.ToString().ToLowerInvariant()}, not an object; this is not a HuggingFace tokenizer file.");
                ModelJson.RequireValidText(document.RootElement, path);
                return document;
            }
            catch
            {
                document.Dispose();
                throw;
            }
        }
        catch (JsonException e)
        {
            throw new ModelFormatException(path, $"is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"cannot be read ({e.Message}).", e);
        }
    }

    private static JsonElement? Object(JsonElement parent, string name, string path) =>
        Get(parent, name, JsonValueKind.Object, "an object", path);

    private static string? String(JsonElement parent, string name, string path) =>
        Get(parent, name, JsonValueKind.String, "a string", path)?.GetString();

    private static int? Int(JsonElement parent, string name, string path) =>
        Get(parent, name, JsonValueKind.Number, "an integer", path) is { } e
            ? e.TryGetInt32(out var v) ? v : throw new ModelFormatException(path, $"\"{name}\" is {e}, not an integer.")
            : null;

    private static bool? Bool(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new ModelFormatException(path, $"\"{name}\" is {e}, expected true, false or null."),
        };
    }

    private static JsonElement? Get(JsonElement parent, string name, JsonValueKind kind, string what, string path)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        if (e.ValueKind != kind)
            throw new ModelFormatException(path, $"\"{name}\" is {e.ValueKind.ToString().ToLowerInvariant()}, expected {what}.");
        return e;
    }
}
