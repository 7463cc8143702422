namespace Bert.Gpu.Quantization.Smoothing;

/// <summary>
/// SmoothQuant (Xiao et al., 2023): move the activations' per-channel outliers into the weights before quantizing both.
/// For a linear <c>Y = X·Wᵀ</c>, dividing input channel j of X by <c>s_j</c> and multiplying column j of W by it leaves Y
/// unchanged in real arithmetic, while <c>max|X_j / s_j|</c> and <c>max|W_j · s_j|</c> meet in the middle.
/// </summary>
/// <remarks>
/// The division is folded into whatever produces X. <see cref="FoldIntoLayerNorm"/> is exact when the LayerNorm's output
/// feeds only the smoothed linears. In a post-LayerNorm BERT it is also the residual of the next block, which would then
/// be scaled too, so there the caller must divide X explicitly (in the quantization step) or fold into a producer whose
/// output goes nowhere else: <see cref="FoldIntoProducerRows"/> for the linear before attention (V), since attention's
/// output is a convex combination of V's rows, channel by channel.
/// </remarks>
public static class SmoothQuant
{
    /// <summary>
    /// <c>s_j = max|X_j|^α / max|W_j|^(1−α)</c>, in double then rounded to float; a channel with <c>max|X_j| = 0</c> or
    /// <c>max|W_j| = 0</c> gets <c>s_j = 1</c> (it contributes nothing to Y, and a zero would divide by zero when folded).
    /// α = 0 gives <c>1 / max|W_j|</c> (all the difficulty in the activations), α = 1 gives <c>max|X_j|</c> (all in the
    /// weights), α = 0.5 makes <c>max|X_j / s_j| = max|W_j · s_j|</c>. The paper uses 0.5 for most models.
    /// </summary>
    /// <param name="activationMax">max |x_j| per input channel over the calibration set (<see cref="Observers.ChannelAbsMaxObserver"/>).</param>
    /// <param name="weightMax">max over rows of |W[:, j]| per input channel (<see cref="WeightColumnAbsMax"/>); for several linears on one input, their element-wise max.</param>
    /// <param name="alpha">The migration strength α in [0, 1].</param>
    /// <exception cref="ArgumentException">The lengths differ, α is outside [0, 1], a maximum is negative or not finite, or a factor falls outside float's normal range.</exception>
    public static float[] Factors(ReadOnlySpan<float> activationMax, ReadOnlySpan<float> weightMax, double alpha)
    {
        if (activationMax.Length != weightMax.Length)
            throw new ArgumentException($"{activationMax.Length} activation maxima for {weightMax.Length} weight columns.", nameof(weightMax));
        if (!(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "SmoothQuant's α must be in [0, 1].");
        var factors = new float[activationMax.Length];
        for (var j = 0; j < factors.Length; j++)
        {
            float x = activationMax[j], w = weightMax[j];
            if (!(x >= 0) || !(w >= 0) || !float.IsFinite(x) || !float.IsFinite(w))
                throw new ArgumentException($"channel {j}: max |x| = {x} and max |w| = {w}; both must be finite and non-negative.", nameof(activationMax));
            if (x == 0 || w == 0)
            {
                factors[j] = 1;
                continue;
            }
            var s = (float)(Math.Pow(x, alpha) / Math.Pow(w, 1 - alpha));
            if (!float.IsNormal(s))
                throw new ArgumentException($"channel {j}: the smoothing factor for max |x| = {x}, max |w| = {w} and α = {alpha} is {s}, outside float's normal range.", nameof(activationMax));
            factors[j] = s;
        }
        return factors;
    }

    /// <summary>max over rows of |W[r, j]| for each column j of a <c>[rows, columns]</c> row-major weight.</summary>
    /// <exception cref="ArgumentException">The length is not <c>rows·columns</c>.</exception>
    public static float[] WeightColumnAbsMax(ReadOnlySpan<float> weight, int rows, int columns)
    {
        CheckShape(weight.Length, rows, columns);
        var max = new float[columns];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < columns; j++)
                max[j] = MathF.Max(max[j], MathF.Abs(weight[r * columns + j]));
        return max;
    }

    /// <summary><c>W'[:, j] = W[:, j] · s_j</c> in place, for the linear that consumes the smoothed input.</summary>
    /// <exception cref="ArgumentException">The shapes do not agree.</exception>
    public static void ScaleWeightColumns(Span<float> weight, int rows, int columns, ReadOnlySpan<float> factors)
    {
        CheckShape(weight.Length, rows, columns);
        CheckFactors(factors, columns);
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < columns; j++)
                weight[r * columns + j] *= factors[j];
    }

    /// <summary>
    /// <c>γ'_j = γ_j / s_j</c> and <c>β'_j = β_j / s_j</c> in place, so that <c>LN'(x) = LN(x) / s</c> channel by channel and
    /// <c>LN'(x)·W'ᵀ = LN(x)·Wᵀ</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static void FoldIntoLayerNorm(Span<float> gamma, Span<float> beta, ReadOnlySpan<float> factors)
    {
        if (beta.Length != gamma.Length)
            throw new ArgumentException($"{gamma.Length} LayerNorm weights and {beta.Length} biases.", nameof(beta));
        CheckFactors(factors, gamma.Length);
        for (var j = 0; j < gamma.Length; j++)
        {
            gamma[j] /= factors[j];
            beta[j] /= factors[j];
        }
    }

    /// <summary>
    /// <c>W_p[j, :] /= s_j</c> and <c>b_p[j] /= s_j</c> in place for the <c>[rows, columns]</c> linear whose output channel j
    /// becomes input channel j of the smoothed one (rows = the smoothed input's width).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not agree.</exception>
    public static void FoldIntoProducerRows(Span<float> weight, Span<float> bias, int rows, int columns, ReadOnlySpan<float> factors)
    {
        CheckShape(weight.Length, rows, columns);
        if (bias.Length != rows)
            throw new ArgumentException($"{bias.Length} biases for {rows} output channels.", nameof(bias));
        CheckFactors(factors, rows);
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
                weight[r * columns + c] /= factors[r];
            bias[r] /= factors[r];
        }
    }

    private static void CheckShape(int length, int rows, int columns)
    {
        if (rows < 0 || columns < 0 || (long)rows * columns != length)
            throw new ArgumentException($"{length} values do not make a [{rows}, {columns}] matrix.");
    }

    private static void CheckFactors(ReadOnlySpan<float> factors, int channels)
    {
        if (factors.Length != channels)
            throw new ArgumentException($"{factors.Length} smoothing factors for {channels} channels.", nameof(factors));
    }
}
