using Bert.Gpu.Backends;
using Bert.Gpu.Model;

namespace Bert.Gpu.DeviceCheck;

/// <summary>One linear layer: <c>[Rows, In] × [Out, In]ᵀ</c> with the encoder's epilogue.</summary>
internal sealed record LinearShape(string Label, int Rows, int Out, int In, Activation Activation, bool Residual)
{
    public double Flops => 2.0 * Rows * Out * In;

    public string Describe() => $"{Rows}x{Out}x{In}{(Activation == Activation.Gelu ? " gelu" : "")}{(Residual ? " +residual" : "")}";
}

/// <summary>Self-attention over sequences of the given lengths.</summary>
internal sealed record AttentionShape(string Label, int[] Lengths, int Heads, int HeadDim)
{
    /// <summary>q·kᵀ and p·v: 2 multiply-adds per (query, key, channel) each.</summary>
    public double Flops => Lengths.Sum(n => 4.0 * n * n * Heads * HeadDim);

    public string Describe() =>
        (Lengths.Distinct().Count() == 1 ? $"{Lengths.Length}x{Lengths[0]}" : $"[{string.Join(",", Lengths)}]") + $" x {Heads} heads x {HeadDim}";
}

/// <summary>A random-weight encoder of a real model's shape.</summary>
internal sealed record ModelShape(string Label, BertConfig Config, int Seed)
{
    /// <summary>The four GEMMs of one layer at <paramref name="rows"/> tokens, with the epilogues the encoder uses.</summary>
    public IEnumerable<LinearShape> LayerGemms(int rows)
    {
        var h = Config.HiddenSize;
        var f = Config.IntermediateSize;
        yield return new($"{Label} qkv", rows, 3 * h, h, Activation.None, false);
        yield return new($"{Label} attention out", rows, h, h, Activation.None, true);
        yield return new($"{Label} ffn up", rows, f, h, Activation.Gelu, false);
        yield return new($"{Label} ffn down", rows, h, f, Activation.None, true);
    }

    public AttentionShape Attention(string label, int[] lengths) => new(label, lengths, Config.NumHeads, Config.HeadDim);
}

/// <summary>An encoder timed at a batch of its own besides the shape set's timed batch, named as torch_baseline.py names it.</summary>
/// <param name="Name">The timing's name, e.g. <c>minilm-l6 b512</c> (torch_baseline.py's <c>FP16_ENCODERS</c>).</param>
/// <param name="Model">Which of the shape set's models.</param>
/// <param name="Sequences">Sequences in the batch.</param>
/// <param name="Length">Tokens in each sequence.</param>
internal sealed record EncoderBatch(string Name, ModelShape Model, int Sequences, int Length);

/// <summary>How a timing is taken: launches before timing, timed samples (median reported), launches per sample.</summary>
internal sealed record TimingPlan(int Warmups, int Samples, int LaunchesPerSample);
