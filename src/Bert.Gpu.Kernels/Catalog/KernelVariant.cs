using System.Reflection;

namespace Bert.Gpu.Kernels.Catalog;

/// <summary>
/// One kernel we ship, as compiled for a GPU: its launcher, the static method holding its device code, and what its
/// SASS must contain.
/// </summary>
/// <param name="Launcher">The launcher class (e.g. <c>LinearKernel</c>).</param>
/// <param name="Sass">What ptxas's output for it must and must not contain.</param>
/// <param name="Specialization">
/// Names a launcher's second and later variants (<c>Name.spec</c>): a launcher with several device methods has one
/// variant per method; null for a launcher's only one.
/// </param>
/// <param name="Method">The private or public static method holding the device code; launchers call theirs <c>Kernel</c>.</param>
public sealed record KernelVariant(Type Launcher, SassExpectations Sass, string? Specialization = null, string Method = "Kernel")
{
    /// <summary>The variant's name, also its <c>.ptx</c> file's: the launcher's, then <c>.spec</c> when it has a specialization.</summary>
    public string Name => Specialization is null ? Launcher.Name : $"{Launcher.Name}.{Specialization}";

    /// <summary>The device method ILGPU compiles.</summary>
    /// <exception cref="InvalidOperationException">The launcher has no static method of that name.</exception>
    public MethodInfo EntryMethod =>
        Launcher.GetMethod(Method, BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static)
        ?? throw new InvalidOperationException($"{Launcher.FullName} has no static method {Method}; the catalog entry {Name} names it.");
}
