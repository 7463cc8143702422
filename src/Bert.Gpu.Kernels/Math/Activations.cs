namespace Bert.Gpu.Kernels.Math;

/// <summary>
/// The feed-forward activations a kernel's epilogue applies after the bias, by code: the values of
/// <c>Bert.Gpu.Backends.Activation</c> (kernels take an int, which ILGPU specializes on like any other shape field).
/// </summary>
public static class Activations
{
    /// <summary>Identity.</summary>
    public const int None = 0;

    /// <summary>Exact (erf) GELU, <see cref="Math.Gelu"/>: BERT's <c>gelu</c>.</summary>
    public const int Gelu = 1;

    /// <summary>The tanh form, <see cref="Math.GeluTanh"/>: <c>gelu_new</c>, <c>gelu_pytorch_tanh</c>.</summary>
    public const int GeluTanh = 2;

    /// <summary><c>max(0, x)</c>: <c>relu</c>.</summary>
    public const int Relu = 3;

    /// <summary><c>tanh(x)</c>: BERT's pooler and the classifier heads' hidden layer.</summary>
    public const int Tanh = 4;

    /// <summary><paramref name="activation"/> of <paramref name="x"/>; an unknown code is the identity (launchers check codes).</summary>
    public static float Apply(int activation, float x) => activation switch
    {
        Gelu => Math.Gelu.Apply(x),
        GeluTanh => Math.GeluTanh.Apply(x),
        Relu => x > 0f ? x : 0f,
        Tanh => Math.GeluTanh.Tanh(x),
        _ => x,
    };

    /// <summary>Throws unless <paramref name="activation"/> is one of the codes above.</summary>
    public static void Check(int activation)
    {
        if (activation is < None or > Tanh)
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Not an activation code (0 none, 1 GELU, 2 GELU tanh, 3 ReLU, 4 tanh).");
    }
}
