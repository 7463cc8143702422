using System.Reflection;
using Bert.Gpu.Kernels.Reductions;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Kernels.Normalization;

/// <summary>The three embedding tables, each <c>[rows, width]</c>, gathered by <see cref="EmbedLayerNormKernel"/>.</summary>
/// <param name="Word">Indexed by the token ids.</param>
/// <param name="Position">Indexed by the position ids.</param>
/// <param name="Type">Indexed by the token-type ids.</param>
public readonly record struct EmbeddingTables(ArrayView<float> Word, ArrayView<float> Position, ArrayView<float> Type);

/// <summary>The per-token indices into <see cref="EmbeddingTables"/>, each <c>[tokens]</c>.</summary>
/// <param name="Ids">Word-table rows.</param>
/// <param name="Positions">Position-table rows.</param>
/// <param name="Types">Type-table rows.</param>
public readonly record struct EmbeddingIndices(ArrayView<int> Ids, ArrayView<int> Positions, ArrayView<int> Types);

/// <summary>
/// <c>output[t] = LayerNorm(word[ids[t]] + position[positions[t]] + type[types[t]])</c>: the gather, the sum and the
/// LayerNorm in one pass, one group per token (see <see cref="RowLayerNorm"/>), optionally also written as fp16 (the fp16
/// pipeline's first GEMM input). Indices are not range-checked on the device: the caller validates them.
/// </summary>
public sealed class EmbedLayerNormKernel
{
    private readonly Accelerator _accelerator;
    private readonly Launcher _kernel;

    /// <summary>Compiles the kernel for <paramref name="accelerator"/>.</summary>
    /// <param name="accelerator">Where it runs.</param>
    /// <param name="threads">Threads per token, a power of two; null = 128 on devices, 32 on ILGPU's CPU emulator.</param>
    public EmbedLayerNormKernel(Accelerator accelerator, int? threads = null)
    {
        _accelerator = accelerator;
        Threads = threads ?? RowLayerNorm.GroupSize(accelerator);
        if (!GroupSum.IsValidGroupSize(Threads))
            throw new ArgumentOutOfRangeException(nameof(threads), $"{Threads} threads per token is not a power of two.");
        var kernel = typeof(EmbedLayerNormKernel).GetMethod(nameof(Kernel), BindingFlags.NonPublic | BindingFlags.Static)!;
        _kernel = accelerator.LoadKernel<Launcher>(kernel);
    }

    /// <summary>Threads per token.</summary>
    public int Threads { get; }

    /// <summary>Queues the embedding of <paramref name="tokens"/> tokens on <paramref name="stream"/>.</summary>
    /// <param name="stream">Stream to run on.</param>
    /// <param name="indices">Per-token table rows, each at least <c>[tokens]</c>.</param>
    /// <param name="tables">Embedding tables of row width <paramref name="width"/>.</param>
    /// <param name="tokens">Number of tokens.</param>
    /// <param name="width">Hidden width.</param>
    /// <param name="gamma">LayerNorm scale <c>[width]</c>.</param>
    /// <param name="beta">LayerNorm shift <c>[width]</c>.</param>
    /// <param name="epsilon">Added to the variance.</param>
    /// <param name="output">Hidden states <c>[tokens, width]</c>.</param>
    /// <param name="halves">Also gets the hidden states as fp16 bits (nearest even), <c>[tokens, width]</c>; null for none.</param>
    public void Launch(AcceleratorStream stream, EmbeddingIndices indices, EmbeddingTables tables, int tokens, int width,
        ArrayView<float> gamma, ArrayView<float> beta, float epsilon, ArrayView<float> output, ArrayView<ushort>? halves = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Shapes.Require(indices.Ids, tokens, "ids", $"[{tokens}]");
        Shapes.Require(indices.Positions, tokens, "positions", $"[{tokens}]");
        Shapes.Require(indices.Types, tokens, "types", $"[{tokens}]");
        Shapes.Require(tables.Word, width, "word table", $"[1+, {width}]");
        Shapes.Require(tables.Position, width, "position table", $"[1+, {width}]");
        Shapes.Require(tables.Type, width, "type table", $"[1+, {width}]");
        Shapes.Require(gamma, width, nameof(gamma), $"[{width}]");
        Shapes.Require(beta, width, nameof(beta), $"[{width}]");
        Shapes.Require(output, (long)tokens * width, nameof(output), $"[{tokens}, {width}]");
        if (halves is { } h)
            Shapes.Require(h, (long)tokens * width, nameof(halves), $"[{tokens}, {width}]");
        if (tokens == 0)
            return;
        KernelLimits.Check(_accelerator, nameof(EmbedLayerNormKernel), Threads, GroupSum.MaxGroupSize);
        var config = new KernelConfig(new Index1D(tokens), new Index1D(Threads));
        _kernel(stream, config, indices.Ids, indices.Positions, indices.Types, tables.Word, tables.Position, tables.Type,
            gamma, beta, output, halves ?? output.Cast<ushort>(), new EmbedShape(width, epsilon, halves is null ? 0 : 1));
    }

    /// <summary>
    /// The kernel's eleven arguments exceed ILGPU's typed loaders (nine), and views nested in a struct cannot be passed to
    /// OpenCL, so the launcher is this delegate loaded by reflection.
    /// </summary>
    internal delegate void Launcher(AcceleratorStream stream, KernelConfig config, ArrayView<int> ids, ArrayView<int> positions,
        ArrayView<int> types, ArrayView<float> word, ArrayView<float> position, ArrayView<float> type, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> output, ArrayView<ushort> halves, EmbedShape shape);

    /// <summary>The scalar arguments.</summary>
    internal readonly record struct EmbedShape(int Width, float Epsilon, int WriteHalves);

    private static void Kernel(ArrayView<int> ids, ArrayView<int> positions, ArrayView<int> types, ArrayView<float> wordTable,
        ArrayView<float> positionTable, ArrayView<float> typeTable, ArrayView<float> gamma, ArrayView<float> beta,
        ArrayView<float> output, ArrayView<ushort> halves, EmbedShape s)
    {
        var token = Grid.IdxX;
        var word = ids[token] * s.Width;
        var position = positions[token] * s.Width;
        var type = types[token] * s.Width;
        var row = output.SubView(token * s.Width, s.Width);
        for (var c = Group.IdxX; c < s.Width; c += Group.DimX)
            row[c] = wordTable[word + c] + positionTable[position + c] + typeTable[type + c];
        RowLayerNorm.Normalize(row, s.Width, gamma, beta, s.Epsilon);
        if (s.WriteHalves != 0)
            RowLayerNorm.WriteHalves(row, s.Width, halves.SubView(token * s.Width, s.Width));
    }
}
