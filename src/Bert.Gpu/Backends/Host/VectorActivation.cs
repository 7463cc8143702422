using System.Runtime.Intrinsics;
using Bert.Gpu.Kernels.Math;

namespace Bert.Gpu.Backends.Host;

/// <summary>An epilogue's <see cref="Activation"/>, eight lanes (<see cref="Apply(Activation, Vector256{float})"/>) or one.</summary>
internal static class VectorActivation
{
    public static Vector256<float> Apply(Activation activation, Vector256<float> x) => activation switch
    {
        Activation.Gelu => VectorGelu.Apply(x),
        Activation.GeluTanh => VectorGeluTanh.Apply(x),
        Activation.Relu => Vector256.Max(x, Vector256<float>.Zero),
        Activation.Tanh => VectorGeluTanh.Tanh(x),
        _ => x,
    };

    public static float Apply(Activation activation, float x) => Activations.Apply((int)activation, x);
}
