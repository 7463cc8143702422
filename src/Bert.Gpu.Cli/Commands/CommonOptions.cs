using System.CommandLine;
using Bert.Gpu.Cli.Input;
using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Cli.Commands;

/// <summary>Options shared by the commands that read texts and load a model.</summary>
internal static class CommonOptions
{
    public static Option<string> Input() => new("--input", "-i")
    {
        Description = "UTF-8 texts: one per line, .jsonl (--text-field) or .csv (--text-column); - reads standard input.",
        Required = true,
    };

    public static Option<string> Output(string formats) => new("--output", "-o")
    {
        Description = $"Output file ({formats}); written to a temporary file and renamed on success.",
        Required = true,
    };

    public static Option<bool> Overwrite() => new("--overwrite")
    {
        Description = "Replace an existing output (by default an existing output is an error; the input is never written over).",
    };

    public static Option<InputFormat> InputFormat() => OptionParsers.Enum("--input-format",
        "auto (by extension; stdin or a pipe by --text-field / --text-column), lines, jsonl or csv.", Cli.Input.InputFormat.Auto);

    public static Option<string?> TextField() => new("--text-field") { Description = "For JSON Lines input: the string field holding the text." };

    public static Option<string?> TextColumn() => new("--text-column") { Description = "For CSV input: the header of the column holding the text." };

    public static Option<string> Model() => new("--model", "-m")
    {
        Description = "Built-in model (minilm, arctic-xs), a HuggingFace model folder, or a .onnx file with vocab.txt beside it.",
        DefaultValueFactory = _ => "minilm",
    };

    public static Option<int?> MaxLength() => OptionParsers.OptionalInt("--max-length",
        "Truncate inputs to this many tokens, [CLS] and [SEP] included (default: the model's).", min: 2);

    public static BertModel LoadModel(string spec) => ModelLoader.Load(spec);

    /// <summary><c>--precision</c>: the number format of the encoder's linear layers.</summary>
    public static Option<Backends.Precision> Precision() => OptionParsers.Enum("--precision",
        "Linear layers in fp32, fp16 (fp16 weights and GEMM inputs, fp32 accumulation; where the device has the path) or auto (fp16 on CUDA GPUs of compute capability 8.0+, fp32 elsewhere).",
        Backends.Precision.Auto);

    /// <summary>
    /// The one-line error of a <c>--precision</c> the device cannot run (fp16 asked of a backend without the path, or int8
    /// layers): what an encoder's or embedder's <see cref="NotSupportedException"/> becomes, for every command alike.
    /// </summary>
    public static CliException PrecisionUnsupported(Backends.Precision precision, NotSupportedException e) =>
        new($"--precision {precision.ToString().ToLowerInvariant()}: {e.Message}", e);

    /// <summary><c>--cache DIR</c>: the embedding cache's folder (<see cref="Caching.EmbeddingCache"/>); absent = no cache.</summary>
    public static Option<string?> Cache() => new("--cache")
    {
        Description = "Keep rows in DIR/embeddings.sqlite and take them from there when the same text comes again with the same model and options (docs/CACHE.md).",
        HelpName = "DIR",
    };

    /// <summary><c>--cache-max-bytes N</c>: the cache's cap, past which the least recently used rows are evicted.</summary>
    public static Option<long> CacheMaxBytes() => OptionParsers.Bytes("--cache-max-bytes",
        "Cap of the --cache file's rows and keys, in bytes (or 512MiB, 4GiB…); the least recently used rows go first. Default 1GiB.",
        Caching.EmbeddingCache.DefaultMaxBytes);

    public static int ResolveMaxLength(int? requested, BertModel model)
    {
        if (requested is null)
            return model.MaxLength;
        if (requested < 2 || requested > model.Config.MaxPositionEmbeddings)
            throw new CliException($"--max-length {requested}: must be between 2 and {model.Config.MaxPositionEmbeddings} for model '{model.Name}'.");
        return requested.Value;
    }
}
