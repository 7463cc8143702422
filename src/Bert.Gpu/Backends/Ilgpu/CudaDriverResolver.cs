using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace Bert.Gpu.Backends.Ilgpu;

/// <summary>
/// ILGPU binds the CUDA driver as <c>cuda</c>, which .NET probes as <c>libcuda.so</c> only. Many Linux machines ship
/// just <c>libcuda.so.1</c> (the unversioned link comes with the CUDA toolkit's dev package), and then ILGPU silently
/// sees no CUDA devices. This falls back to the versioned name.
/// </summary>
internal static class CudaDriverResolver
{
    private static int _installed;

    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1)
            return;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        if (name is not ("cuda" or "libcuda.so") || !OperatingSystem.IsLinux())
            return IntPtr.Zero;
        return NativeLibrary.TryLoad("libcuda.so.1", out var handle) ? handle : IntPtr.Zero;
    }
}
