using System.Text.RegularExpressions;
using Bert.Gpu.Kernels.Catalog;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>The catalog's rows are consistent: what the PTX lane and <c>kernels --emit-ptx</c> rely on, before any compile.</summary>
[Trait("Category", "Kernels")]
public class KernelCatalogTests
{
    [Fact]
    public void Names_AreDistinctFileNames()
    {
        var names = KernelCatalog.All.Select(v => v.Name).ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.All(names, n => Assert.Matches(new Regex(@"^[A-Za-z0-9]+(\.[A-Za-z0-9_-]+)?$"), n));
    }

    [Fact]
    public void EveryVariant_NamesAStaticDeviceMethodOfItsLauncher()
    {
        Assert.All(KernelCatalog.All, v => Assert.True(v.EntryMethod.IsStatic && v.EntryMethod.DeclaringType == v.Launcher, v.Name));
        var missing = new KernelVariant(typeof(KernelCatalogTests), SassExpectations.Scalar, "none", "NoSuchMethod");
        Assert.Contains("NoSuchMethod", Assert.Throws<InvalidOperationException>(() => missing.EntryMethod).Message);
    }

    [Fact]
    public void TensorCoreVariants_AllowNoStackFrame()
    {
        // A tensor-core kernel's fragments live in registers; a stack frame means ptxas put some in local memory.
        Assert.All(KernelCatalog.All.Where(v => v.Sass.TensorCore != TensorCoreInstruction.None), v => Assert.Equal(0, v.Sass.StackBytes));
    }

    [Fact]
    public void Specializations_AreNamedAfterTheLauncher()
    {
        var variant = new KernelVariant(typeof(KernelCatalogTests), SassExpectations.Scalar with { TensorCore = TensorCoreInstruction.Hmma, Ldmatrix = true },
            "fp16", "Fp16Kernel");

        Assert.Equal("KernelCatalogTests.fp16", variant.Name);
        Assert.Equal("tensor-core HMMA, LDSM, stack 0 B", variant.Sass.ToString());
    }
}
