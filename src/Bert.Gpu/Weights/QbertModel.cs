using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bert.Gpu.Model;
using Bert.Gpu.Quantization.Activations;
using Bert.Gpu.Quantization.Files;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Weights;

/// <summary>
/// A whole model in one <c>.qbert</c> file (Bert.Gpu.Quantization's container): its configuration, pooling, max
/// length and tokenizer travel in the metadata object <c>bert_gpu</c>, the vocabulary as the byte tensor
/// <c>tokenizer.vocab</c>, every fp32 tensor under its canonical name, and each int8 unit under its
/// <see cref="BertTensorNames.Unit"/> name (codes and row scales) with its activation quantization in
/// <c>bert_gpu.units</c>. What calibration did (method, corpus hash, which units stayed fp32 and why) is recorded in
/// <c>bert_gpu.quantization</c>, for people and for <c>calibrate --compare</c>.
/// </summary>
public static class QbertModel
{
    /// <summary>The key of this project's metadata object in the file.</summary>
    private const string MetadataKey = "bert_gpu";

    private const string VocabTensor = "tokenizer.vocab";

    /// <summary>Bumped when the metadata's meaning changes; an unknown version is refused.</summary>
    private const int LayoutVersion = 1;

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="path"/>: its int8 units as codes, every other encoder tensor
    /// as fp32, and <paramref name="quantization"/> (what was done, free-form) beside the source model's name and hash.
    /// </summary>
    /// <exception cref="ArgumentException">The model is not of the BERT family (the layout stores BERT's config only).</exception>
    public static void Save(BertModel model, string path, string sourceName, string sourceContentHash, JsonObject quantization)
    {
        if (model.Config.Family != ModelFamily.Bert || model.Tokenizer is not BertTokenizer tokenizer)
            throw new ArgumentException($"{sourceName} is a {model.Config.Family} model; .qbert files hold BERT models with a WordPiece tokenizer only so far (calibrate a 'bert' model_type).");
        var writer = new QbertWriter();
        var units = new JsonObject();
        var codesOnly = new HashSet<string>();
        foreach (var (unit, q) in model.Quantized.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.AddInt8(unit, q.Weight);
            units[unit] = new JsonObject { ["format"] = "int8", ["activations"] = q.Activations.ToJson() };
            var (layer, linear) = BertTensorNames.ParseUnit(unit, model.Config.NumLayers)!.Value; // BertModel checked the names
            foreach (var part in BertTensorNames.Parts(linear))
                codesOnly.Add(BertTensorNames.Layer(layer) + part + ".weight");
        }
        foreach (var (name, _) in BertModel.EncoderTensors(model.Config))
            if (!codesOnly.Contains(name))
                writer.AddFloat(name, model[name].Data, model[name].Shape);
        var vocab = new StringBuilder();
        for (var id = 0; id < tokenizer.VocabSize; id++)
            vocab.Append(tokenizer.IdToToken(id)).Append('\n');
        writer.AddBytes(VocabTensor, Encoding.UTF8.GetBytes(vocab.ToString()));
        var c = model.Config;
        var o = tokenizer.Options;
        writer.SetMetadata(MetadataKey, new JsonObject
        {
            ["layout_version"] = LayoutVersion,
            ["source_model"] = new JsonObject { ["name"] = sourceName, ["content_hash"] = sourceContentHash },
            ["config"] = new JsonObject
            {
                ["vocab_size"] = c.VocabSize, ["hidden_size"] = c.HiddenSize, ["num_hidden_layers"] = c.NumLayers,
                ["num_attention_heads"] = c.NumHeads, ["intermediate_size"] = c.IntermediateSize,
                ["max_position_embeddings"] = c.MaxPositionEmbeddings, ["type_vocab_size"] = c.TypeVocabSize,
                ["layer_norm_eps"] = c.LayerNormEps, ["hidden_act"] = c.HiddenAct,
            },
            ["pooling"] = model.DefaultPooling.ToString().ToLowerInvariant(),
            ["max_length"] = model.MaxLength,
            ["tokenizer"] = new JsonObject
            {
                ["lowercase"] = o.Lowercase, ["strip_accents"] = o.StripAccents, ["clean_text"] = o.CleanText,
                ["handle_chinese_chars"] = o.HandleChineseChars, ["unk_token"] = tokenizer.UnkToken,
                ["continuing_subword_prefix"] = tokenizer.ContinuingSubwordPrefix,
                ["max_input_chars_per_word"] = tokenizer.MaxInputCharsPerWord,
                ["special_tokens"] = new JsonArray([.. tokenizer.SpecialTokens.Select(t => (JsonNode)t)]),
            },
            ["units"] = units,
            ["quantization"] = quantization,
        });
        writer.Write(path);
    }

    /// <summary>The source model a <c>.qbert</c> file was quantized from: its name and <see cref="BertModel.ContentHash"/>.</summary>
    public static (string Name, string ContentHash) SourceOf(string path)
    {
        using var file = QbertFile.Open(path);
        var source = Require(Metadata(file), "source_model", JsonValueKind.Object, path);
        return (Text(source, "name", path), Text(source, "content_hash", path));
    }

    /// <summary>What calibration recorded (<c>bert_gpu.quantization</c>), as written.</summary>
    public static JsonElement QuantizationOf(string path)
    {
        using var file = QbertFile.Open(path);
        return Require(Metadata(file), "quantization", JsonValueKind.Object, path).Clone();
    }

    /// <summary>Loads the model in <paramref name="path"/>.</summary>
    /// <exception cref="QbertFormatException">The file is damaged or not a <c>.qbert</c> file.</exception>
    /// <exception cref="ModelFormatException">It is a <c>.qbert</c> file, but not of a BERT model this version reads.</exception>
    public static BertModel Load(string path)
    {
        using var file = QbertFile.Open(path);
        var meta = Metadata(file);
        var c = Require(meta, "config", JsonValueKind.Object, path);
        var config = new BertConfig(Int(c, "vocab_size", path), Int(c, "hidden_size", path), Int(c, "num_hidden_layers", path),
            Int(c, "num_attention_heads", path), Int(c, "intermediate_size", path), Int(c, "max_position_embeddings", path),
            Int(c, "type_vocab_size", path), (float)Require(c, "layer_norm_eps", JsonValueKind.Number, path).GetDouble(),
            Text(c, "hidden_act", path));
        config.Validate(path);
        var t = Require(meta, "tokenizer", JsonValueKind.Object, path);
        var strip = t.TryGetProperty("strip_accents", out var s) && s.ValueKind is JsonValueKind.True or JsonValueKind.False ? s.GetBoolean() : (bool?)null;
        var options = new BertNormalizerOptions(Bool(t, "lowercase", path), strip, Bool(t, "clean_text", path), Bool(t, "handle_chinese_chars", path));
        var vocab = Encoding.UTF8.GetString(file.ReadBytes(VocabTensor)).Split('\n');
        var tokens = vocab.Length > 0 && vocab[^1].Length == 0 ? vocab[..^1] : vocab;
        var specials = Require(t, "special_tokens", JsonValueKind.Array, path).EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(path, "a special token that is not a string")).ToList();
        var tokenizer = new BertTokenizer(tokens, options, $"{path}!{VocabTensor}", Text(t, "unk_token", path),
            Text(t, "continuing_subword_prefix", path), Int(t, "max_input_chars_per_word", path), specials);

        var quantized = new Dictionary<string, QuantizedLinear>();
        foreach (var unit in Require(meta, "units", JsonValueKind.Object, path).EnumerateObject())
        {
            var activations = unit.Value.ValueKind == JsonValueKind.Object && unit.Value.TryGetProperty("activations", out var a)
                ? ActivationQuantization.FromJson(a, path, unit.Name)
                : throw new QbertFormatException(path, unit.Name, "the unit has no \"activations\"; quantize the model again");
            quantized[unit.Name] = new QuantizedLinear(file.ReadInt8(unit.Name), activations);
        }
        var tensors = new Dictionary<string, FloatTensor>();
        foreach (var entry in file.Tensors.Where(e => e.Dtype == QbertDtype.F32))
            tensors[entry.Name] = new FloatTensor(file.ReadFloat(entry.Name), [.. entry.Shape]);
        var pooling = Text(meta, "pooling", path) switch
        {
            "cls" => PoolingMode.Cls,
            "mean" => PoolingMode.Mean,
            "max" => PoolingMode.Max,
            var other => throw Bad(path, $"pooling \"{other}\" (expected cls, mean or max)"),
        };
        return BertModelFactory.Create(path, path, config, tensors, tokenizer, pooling, Int(meta, "max_length", path), quantized: quantized);
    }

    private static JsonElement Metadata(QbertFile file)
    {
        if (!file.Metadata.TryGetValue(MetadataKey, out var meta) || meta.ValueKind != JsonValueKind.Object)
            throw Bad(file.Path, $"no \"{MetadataKey}\" object: a .qbert file of another tool");
        var version = Int(meta, "layout_version", file.Path);
        if (version != LayoutVersion)
            throw Bad(file.Path, $"model layout version {version}, this tool reads {LayoutVersion}");
        return meta;
    }

    private static JsonElement Require(JsonElement parent, string key, JsonValueKind kind, string path) =>
        parent.TryGetProperty(key, out var value) && value.ValueKind == kind
            ? value
            : throw Bad(path, $"\"{key}\" is missing or not {kind.ToString().ToLowerInvariant()}");

    private static int Int(JsonElement parent, string key, string path) =>
        Require(parent, key, JsonValueKind.Number, path).TryGetInt32(out var n) ? n : throw Bad(path, $"\"{key}\" is not an int");

    private static string Text(JsonElement parent, string key, string path) => Require(parent, key, JsonValueKind.String, path).GetString()!;

    private static bool Bool(JsonElement parent, string key, string path) =>
        parent.TryGetProperty(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? v.GetBoolean()
            : throw Bad(path, $"\"{key}\" is missing or not a boolean");

    private static ModelFormatException Bad(string path, string problem) =>
        new(path, $"{MetadataKey} metadata: {problem}; the file was not written by this tool's calibrate, or by a newer one.");
}
