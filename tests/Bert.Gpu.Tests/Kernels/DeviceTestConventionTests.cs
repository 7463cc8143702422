using System.Reflection;

namespace Bert.Gpu.Tests.Kernels;

/// <summary>
/// Device tests only report "skipped" when their attribute lets a <see cref="SkipException"/> mean that: a plain
/// <c>[Fact]</c> that called <see cref="Support.DeviceRequirement.Require"/> without its device would fail everywhere.
/// </summary>
[Trait("Category", "Kernels")]
public class DeviceTestConventionTests
{
    private static readonly string[] DeviceCategories = ["OpenCL", "CUDA"];

    [Fact]
    public void EveryDeviceTestCanBeSkipped()
    {
        var deviceClasses = typeof(DeviceTestConventionTests).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttributesData().Any(IsDeviceCategory))
            .ToList();
        var methods = deviceClasses
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => (Class: t, Method: m)))
            .Where(x => x.Method.GetCustomAttribute<FactAttribute>() is not null)
            .ToList();
        var plain = methods
            .Where(x => x.Method.GetCustomAttribute<FactAttribute>() is not (SkippableFactAttribute or SkippableTheoryAttribute))
            .Select(x => $"{x.Class.Name}.{x.Method.Name}");

        // The traits are read as intended: the known device classes are all found, and their tests with them.
        foreach (var known in new[] { "OpenClSmokeTests", "OpenClKernelTests", "CliOpenClTests", "CudaKernelTests", "MiniLmCudaParityTests",
                     "OpenClInt8KernelTests", "CudaInt8KernelTests", "CudaTensorCoreKernelTests" })
            Assert.Contains(deviceClasses, t => t.Name == known);
        Assert.Contains(methods, x => x.Class.Name == "MiniLmCudaParityTests" && x.Method.Name == "LastHiddenStateMatchesOnnxRuntimeOnAPackedBatch");
        Assert.Empty(plain);
    }

    /// <summary>xunit 2's TraitAttribute keeps its name and value only as constructor arguments.</summary>
    private static bool IsDeviceCategory(CustomAttributeData attribute) =>
        attribute.AttributeType == typeof(TraitAttribute)
        && attribute.ConstructorArguments[0].Value as string == "Category"
        && DeviceCategories.Contains(attribute.ConstructorArguments[1].Value as string);
}
