using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Heads;
using Bert.Gpu.Model;
using Bert.Gpu.Tokenization;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Cli.Tasks;

/// <summary>A checkpoint's task head on one backend: tokenized sequences in, one batch per call, logits out.</summary>
internal sealed class HeadRunner : EncoderRunner
{
    private HeadRunner(BertModel model, TaskHead head, IComputeBackend backend, int maxLength, Precision precision)
        : base(model, backend, maxLength, Fingerprint(model, head), precision) => Head = head;

    /// <summary>The head in use.</summary>
    public TaskHead Head { get; }

    /// <summary>
    /// Loads <paramref name="modelSpec"/> and its <paramref name="kind"/> head (the checkpoint's <c>architectures</c> must
    /// name it; a masked-LM head is also read from <c>BertForPreTraining</c>) on <paramref name="device"/>.
    /// </summary>
    /// <param name="command">The command, for messages.</param>
    /// <param name="pairs">Whether the inputs are pairs of texts (more special tokens).</param>
    /// <exception cref="CliException">The checkpoint has another head, or none.</exception>
    public static HeadRunner Load(string command, HeadKind kind, bool pairs, string modelSpec, string device, int threads, int? maxLength, Precision precision)
    {
        var model = ModelLoader.Load(modelSpec);
        var own = model.Heads.Kind;
        if (own != kind && !(kind == HeadKind.MaskedLm && model.Heads.Architecture == "BertForPreTraining"))
            throw new CliException($"--model {modelSpec}: {command} needs a {Describe(kind)} checkpoint, but its config.json's architectures says {model.Heads.Architecture ?? "nothing (an encoder only)"}; choose a checkpoint with that head.");
        var head = model.Head(kind);
        var length = CheckedMaxLength(model, maxLength, pairs);
        return new HeadRunner(model, head, BackendFactory.Create(device, threads), length, precision);
    }

    /// <summary>The logits of <paramref name="sequences"/>: one row per sequence or per token (see <see cref="TaskHead.PerSequence"/>), with the batch they were packed in.</summary>
    public (float[] Logits, PackedBatch Batch) Predict(IReadOnlyList<TokenizedText> sequences)
    {
        var batch = new PackedBatch(sequences);
        var rows = Head.PerSequence ? batch.Sequences : batch.TotalTokens;
        var logits = new float[rows * Head.Width];
        Encoder.Predict(batch, Head, logits);
        return (logits, batch);
    }

    private static string Fingerprint(BertModel model, TaskHead head)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        void Text(string text) => hash.AppendData(System.Text.Encoding.UTF8.GetBytes(text + "\n"));
        Text(model.ContentHash);
        Text(head.Architecture);
        foreach (var label in head.Labels)
            Text(label);
        var names = head.Steps.SelectMany(step => step switch
        {
            LinearStep linear => new[] { linear.Weight, linear.Bias },
            LayerNormStep norm => [norm.Gamma, norm.Beta],
            _ => [],
        });
        foreach (var name in names)
        {
            Text(name);
            if (model.Tensors.TryGetValue(name, out var tensor))
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private static string Describe(HeadKind kind) => kind switch
    {
        HeadKind.SequenceClassification => "…ForSequenceClassification",
        HeadKind.TokenClassification => "…ForTokenClassification",
        HeadKind.QuestionAnswering => "…ForQuestionAnswering",
        HeadKind.MaskedLm => "…ForMaskedLM",
        _ => "…ForNextSentencePrediction",
    };
}
