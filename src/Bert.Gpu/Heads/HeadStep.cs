using Bert.Gpu.Backends;

namespace Bert.Gpu.Heads;

/// <summary>One operation of a head, over canonical tensor names; a head is a short list of them run on the backend.</summary>
public abstract record HeadStep;

/// <summary>Each sequence's first token: the rows become one per sequence.</summary>
public sealed record FirstTokenStep : HeadStep;

/// <summary><c>act(x·Wᵀ + b)</c> with <paramref name="Weight"/> <c>[out, in]</c> and <paramref name="Bias"/> <c>[out]</c>.</summary>
/// <param name="Weight">Canonical name of the weight (the word embeddings for a tied decoder).</param>
/// <param name="Bias">Canonical name of the bias.</param>
/// <param name="Activation">Applied after the bias.</param>
public sealed record LinearStep(string Weight, string Bias, Activation Activation) : HeadStep;

/// <summary>LayerNorm over each row.</summary>
/// <param name="Gamma">Canonical name of the scale.</param>
/// <param name="Beta">Canonical name of the shift.</param>
/// <param name="Epsilon">Added to the variance.</param>
public sealed record LayerNormStep(string Gamma, string Beta, float Epsilon) : HeadStep;
