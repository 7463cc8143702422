using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.Kernels.Catalog;

/// <summary>
/// ILGPU's PTX for a <see cref="KernelVariant"/>, as the CUDA accelerator would generate it for an sm_80 GPU, without
/// a GPU: <c>.target sm_80</c>, <c>.version 8.0</c> (on a device ILGPU writes the newest ISA the driver reads, 8.8 with
/// ILGPU 1.5.3); ptxas assembles sm_80 PTX for any later architecture too. One context and backend serve every variant
/// emitted through an instance.
/// </summary>
public sealed partial class PtxEmitter : IDisposable
{
    private readonly Context _context;
    private readonly PTXBackend _backend;

    /// <summary>A context with ILGPU.Algorithms enabled (the kernels use its group reductions) and an sm_80 PTX backend.</summary>
    public PtxEmitter()
    {
        _context = Context.Create(b => b.EnableAlgorithms());
        // NVVM only serves libdevice, which the kernels do not use.
        _backend = new PTXBackend(_context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_80, nvvmAPI: null!);
    }

    /// <summary>The PTX of <paramref name="variant"/>'s device method, exactly as ILGPU writes it.</summary>
    public string Emit(KernelVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(variant.EntryMethod);
        return ((PTXCompiledKernel)_backend.Compile(entry, new KernelSpecialization())).PTXAssembly;
    }

    /// <summary>
    /// <paramref name="ptx"/> with its <c>.version</c> line set to <paramref name="isa"/> (e.g. <c>7.8</c>): ptxas 11.x
    /// reads PTX ISA ≤ 7.8 and refuses ILGPU's 8.0 and later, and nothing these kernels use needs more than 7.0.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="isa"/> is not MAJOR.MINOR, or the PTX has no .version line.</exception>
    public static string WithIsaVersion(string ptx, string isa)
    {
        ArgumentNullException.ThrowIfNull(ptx);
        if (!IsIsaVersion(isa))
            throw new ArgumentException($"PTX ISA '{isa}': write it as MAJOR.MINOR, e.g. 7.8.", nameof(isa));
        if (!VersionLine().IsMatch(ptx))
            throw new ArgumentException("The PTX has no .version line to rewrite.", nameof(ptx));
        return VersionLine().Replace(ptx, $".version {isa}", 1);
    }

    /// <summary>Whether <paramref name="isa"/> is written as a PTX ISA version, MAJOR.MINOR (e.g. <c>7.8</c>).</summary>
    public static bool IsIsaVersion(string isa) => IsaPattern().IsMatch(isa);

    /// <inheritdoc/>
    public void Dispose()
    {
        _backend.Dispose();
        _context.Dispose();
    }

    [GeneratedRegex(@"^\d+\.\d+$")]
    private static partial Regex IsaPattern();

    [GeneratedRegex(@"^\.version \d+\.\d+", RegexOptions.Multiline)]
    private static partial Regex VersionLine();
}
