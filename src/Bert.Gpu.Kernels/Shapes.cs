using ILGPU;

namespace Bert.Gpu.Kernels;

/// <summary>Argument checks shared by the launchers: a view too short for its shape is a caller's bug, caught before launch.</summary>
internal static class Shapes
{
    /// <summary>Throws when <paramref name="view"/> holds fewer than <paramref name="length"/> elements.</summary>
    public static void Require<T>(ArrayView<T> view, long length, string name, string shape) where T : unmanaged
    {
        if (view.Length < length)
            throw new ArgumentException($"{name} holds {view.Length} elements but {shape} needs {length}.", name);
    }
}
