using System.Diagnostics;
using Bert.Gpu.Tests.Support;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.OpenCL;

/// <summary>
/// Smoke tests for ILGPU's OpenCL backend. They need an OpenCL 2.0+ device with the generic address space
/// (PoCL 6 in the Debian 13 chroot of <c>.ci/opencl-lane.sh</c>). Elsewhere they are skipped with the reason, unless
/// <c>BERT_GPU_REQUIRE_OPENCL=1</c> (set by the lane) makes a missing device a failure (<see cref="DeviceRequirement"/>).
/// </summary>
[Trait("Category", "OpenCL")]
[Collection(Kernels.OpenClDeviceCollection.Name)]
public sealed class OpenClSmokeTests(ITestOutputHelper output)
{
    private const int Tile = 16;

    [SkippableFact]
    public void ACompatibleDeviceIsVisible()
    {
        DeviceRequirement.Require(TestDevice.OpenCL, DeviceRequirement.Probe(TestDevice.OpenCL));
        using var context = Context.Create(b => b.OpenCL());
        var devices = context.GetCLDevices();
        foreach (var device in devices)
        {
            output.WriteLine(
                $"{device.Name} | platform {device.PlatformName} {device.PlatformVersion} | {device.DeviceVersion} | " +
                $"C {device.CVersion} | {device.DeviceType} | memory {device.MemorySize >> 20} MiB | " +
                $"units {device.NumMultiprocessors} | max group {device.MaxNumThreadsPerGroup} | " +
                $"shared/group {device.MaxSharedMemoryPerGroup >> 10} KiB | warp {device.WarpSize} | " +
                $"generic AS {device.Capabilities.GenericAddressSpace} | sub-groups {device.Capabilities.SubGroups}");
            Assert.True(device.Capabilities.GenericAddressSpace);
            Assert.True(device.MaxNumThreadsPerGroup >= Tile * Tile, "a 16x16 group must fit");
        }
    }

    [SkippableTheory]
    [InlineData(64, 64, 64)]
    [InlineData(37, 53, 29)] // edges that are not multiples of the tile
    public void TiledMatMulWithSharedMemoryMatchesTheCpu(int m, int n, int k)
    {
        DeviceRequirement.Require(TestDevice.OpenCL, DeviceRequirement.Probe(TestDevice.OpenCL));
        using var context = Context.Create(b => b.OpenCL());
        using var accelerator = context.CreateCLAccelerator(0);
        output.WriteLine($"accelerator: {accelerator.Name} ({accelerator.PlatformName}, OpenCL C {accelerator.CVersion})");

        var random = new Random(m * 10_000 + n * 100 + k);
        var a = Reference.RandomVector(random, m * k);
        var b = Reference.RandomVector(random, k * n);

        var watch = Stopwatch.StartNew();
        var kernel = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(MatMulTiled);
        var loaded = watch.Elapsed;

        using var aBuffer = accelerator.Allocate1D(a);
        using var bBuffer = accelerator.Allocate1D(b);
        using var cBuffer = accelerator.Allocate1D<float>(m * n);
        var grid = new Index2D((n + Tile - 1) / Tile, (m + Tile - 1) / Tile);
        var group = new Index2D(Tile, Tile);

        watch.Restart();
        kernel((grid, group), aBuffer.View, bBuffer.View, cBuffer.View, m, n, k);
        accelerator.Synchronize();
        var first = watch.Elapsed;
        watch.Restart();
        kernel((grid, group), aBuffer.View, bBuffer.View, cBuffer.View, m, n, k);
        accelerator.Synchronize();
        var second = watch.Elapsed;
        output.WriteLine($"{m}x{n}x{k}: load+compile {loaded.TotalMilliseconds:F0} ms, first launch {first.TotalMilliseconds:F1} ms, second {second.TotalMilliseconds:F2} ms");

        var c = cBuffer.GetAsArray1D();
        var worst = 0.0;
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double expected = 0;
                for (var p = 0; p < k; p++)
                    expected += (double)a[i * k + p] * b[p * n + j];
                worst = Math.Max(worst, Math.Abs(c[i * n + j] - expected));
            }
        output.WriteLine($"max |delta| vs double CPU reference: {worst:E2}");
        Assert.True(worst <= 1e-4, $"max |delta| {worst:E2} > 1e-4");
    }

    /// <summary>C[m,n] = A[m,k]·B[k,n], row-major; 16×16 tiles of A and B staged in shared memory.</summary>
    private static void MatMulTiled(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k)
    {
        var tileA = SharedMemory.Allocate<float>(Tile * Tile);
        var tileB = SharedMemory.Allocate<float>(Tile * Tile);
        int tx = Group.IdxX, ty = Group.IdxY;
        var col = Grid.IdxX * Tile + tx;
        var row = Grid.IdxY * Tile + ty;
        var acc = 0f;
        for (var t = 0; t < k; t += Tile)
        {
            var ak = t + tx;
            var bk = t + ty;
            tileA[ty * Tile + tx] = row < m && ak < k ? a[row * k + ak] : 0f;
            tileB[ty * Tile + tx] = bk < k && col < n ? b[bk * n + col] : 0f;
            Group.Barrier();
            for (var p = 0; p < Tile; p++)
                acc += tileA[ty * Tile + p] * tileB[p * Tile + tx];
            Group.Barrier();
        }
        if (row < m && col < n)
            c[row * n + col] = acc;
    }
}
