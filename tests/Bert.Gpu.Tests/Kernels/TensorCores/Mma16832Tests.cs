using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The m16n8k32 s8 fragment layout against the PTX ISA's description (hand-checked elements, every element held by
/// exactly one lane), and its managed twin on the CPU accelerator against an integer product, which must be exact.
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class Mma16832Tests(CpuAccelerator cpu)
{
    [Fact]
    public void LanesHoldTheElementsThePtxIsaNames()
    {
        // Lane 5: groupID 1, threadID_in_group 1. A: a0–a3 (1, 4–7), a4–a7 (9, 4–7), a8–a11 (1, 20–23), a12–a15 (9, 20–23).
        (int, int)[] a = [(1, 4), (1, 5), (1, 6), (1, 7), (9, 4), (9, 5), (9, 6), (9, 7), (1, 20), (1, 21), (1, 22), (1, 23), (9, 20), (9, 21), (9, 22), (9, 23)];
        Assert.Equal(a, Enumerable.Range(0, 16).Select(i => (Mma16832.ARow(5, i), Mma16832.ACol(5, i))));
        // B (k, n): b0–b3 (4–7, 1), b4–b7 (20–23, 1).
        Assert.Equal([(4, 1), (5, 1), (6, 1), (7, 1), (20, 1), (21, 1), (22, 1), (23, 1)], Enumerable.Range(0, 8).Select(i => (Mma16832.BRow(5, i), Mma16832.BCol(5))));
        Assert.Equal((15, 31), (Mma16832.ARow(31, 15), Mma16832.ACol(31, 15)));
        Assert.Equal((31, 7), (Mma16832.BRow(31, 7), Mma16832.BCol(31)));
        Assert.Equal([0, -1, 127, -128], Enumerable.Range(0, 4).Select(j => Mma16832.Byte(0x807FFF00u, j)));
    }

    [Fact]
    public void EveryElementBelongsToExactlyOneLane()
    {
        var lanes = Enumerable.Range(0, 32).ToList();
        Assert.Equal(Enumerable.Range(0, 512), lanes.SelectMany(l => Enumerable.Range(0, 16).Select(i => Mma16832.ARow(l, i) * 32 + Mma16832.ACol(l, i))).Order());
        Assert.Equal(Enumerable.Range(0, 256), lanes.SelectMany(l => Enumerable.Range(0, 8).Select(i => Mma16832.BRow(l, i) * 8 + Mma16832.BCol(l))).Order());
    }

    [Fact]
    public void TheEmulationComputesDEqualsABPlusCExactly()
    {
        var random = new Random(5);
        var a = Enumerable.Range(0, 512).Select(_ => random.Next(-128, 128)).ToArray();
        var b = Enumerable.Range(0, 256).Select(_ => random.Next(-128, 128)).ToArray();
        var c = Enumerable.Range(0, 128).Select(_ => random.Next(-1 << 20, 1 << 20)).ToArray();
        using var da = cpu.Upload(a);
        using var db = cpu.Upload(b);
        using var dc = cpu.Upload(c);
        using var dd = cpu.Accelerator.Allocate1D<int>(128);
        using var scratch = cpu.Accelerator.Allocate1D<int>(Mma16832.ScratchInts);
        var kernel = cpu.Accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>>(OneWarp);
        kernel(new KernelConfig(1, 32), da.View, db.View, dc.View, dd.View, scratch.View);
        var d = cpu.Download(dd, 128);
        for (var row = 0; row < 16; row++)
            for (var col = 0; col < 8; col++)
                Assert.Equal(c[row * 8 + col] + Enumerable.Range(0, 32).Sum(k => a[row * 32 + k] * b[k * 8 + col]), d[row * 8 + col]);
    }

    /// <summary>One warp: each lane packs its fragments from row-major A (16×32), B (32×8) and C (16×8) by the layout, runs the emulation, writes D.</summary>
    private static void OneWarp(ArrayView<int> a, ArrayView<int> b, ArrayView<int> c, ArrayView<int> d, ArrayView<int> scratch)
    {
        var lane = Group.IdxX;
        var acc = new MmaIntAccumulator { C0 = c[C(lane, 0)], C1 = c[C(lane, 1)], C2 = c[C(lane, 2)], C3 = c[C(lane, 3)] };
        acc = Mma16832.Emulate(scratch, lane, A(a, lane, 0), A(a, lane, 4), A(a, lane, 8), A(a, lane, 12), B(b, lane, 0), B(b, lane, 4), acc);
        (d[C(lane, 0)], d[C(lane, 1)], d[C(lane, 2)], d[C(lane, 3)]) = (acc.C0, acc.C1, acc.C2, acc.C3);
    }

    /// <summary>Row-major index in C/D (16×8) of element <paramref name="i"/> held by <paramref name="lane"/>.</summary>
    private static int C(int lane, int i) => Mma16816.CRow(lane, i) * 8 + Mma16816.CCol(lane, i);

    private static uint A(ArrayView<int> a, int lane, int i) =>
        Pack(a[Mma16832.ARow(lane, i) * 32 + Mma16832.ACol(lane, i)], a[Mma16832.ARow(lane, i + 1) * 32 + Mma16832.ACol(lane, i + 1)],
            a[Mma16832.ARow(lane, i + 2) * 32 + Mma16832.ACol(lane, i + 2)], a[Mma16832.ARow(lane, i + 3) * 32 + Mma16832.ACol(lane, i + 3)]);

    private static uint B(ArrayView<int> b, int lane, int i) =>
        Pack(b[Mma16832.BRow(lane, i) * 8 + Mma16832.BCol(lane)], b[Mma16832.BRow(lane, i + 1) * 8 + Mma16832.BCol(lane)],
            b[Mma16832.BRow(lane, i + 2) * 8 + Mma16832.BCol(lane)], b[Mma16832.BRow(lane, i + 3) * 8 + Mma16832.BCol(lane)]);

    private static uint Pack(int b0, int b1, int b2, int b3) =>
        (uint)(b0 & 0xFF) | ((uint)(b1 & 0xFF) << 8) | ((uint)(b2 & 0xFF) << 16) | ((uint)(b3 & 0xFF) << 24);
}
