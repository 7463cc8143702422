using Bert.Gpu.Kernels.TensorCores;
using ILGPU;
using ILGPU.Runtime;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The m16n8k16 fragment layout against the PTX ISA's description (hand-checked elements, and every matrix element
/// held by exactly one lane), and the managed twin of the instruction on the CPU accelerator against a double-precision
/// product. Whether the layout is also what the hardware does only a GPU can say; ptxas checks the asm itself.
/// </summary>
[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class Mma16816Tests(CpuAccelerator cpu)
{
    [Fact]
    public void LanesHoldTheElementsThePtxIsaNames()
    {
        // Lane 5: groupID 1, threadID_in_group 1. A: a0 (1, 2), a1 (1, 3), a2 (9, 2), a3 (9, 3), a4 (1, 10), a7 (9, 11).
        (int, int)[] a = [(1, 2), (1, 3), (9, 2), (9, 3), (1, 10), (1, 11), (9, 10), (9, 11)];
        Assert.Equal(a, Enumerable.Range(0, 8).Select(i => (Mma16816.ARow(5, i), Mma16816.ACol(5, i))));
        // B (k, n): b0 (2, 1), b1 (3, 1), b2 (10, 1), b3 (11, 1). C: c0 (1, 2), c1 (1, 3), c2 (9, 2), c3 (9, 3).
        Assert.Equal([(2, 1), (3, 1), (10, 1), (11, 1)], Enumerable.Range(0, 4).Select(i => (Mma16816.BRow(5, i), Mma16816.BCol(5))));
        Assert.Equal([(1, 2), (1, 3), (9, 2), (9, 3)], Enumerable.Range(0, 4).Select(i => (Mma16816.CRow(5, i), Mma16816.CCol(5, i))));
        // Lane 31 (7, 3) holds the last corner of each.
        Assert.Equal((15, 15), (Mma16816.ARow(31, 7), Mma16816.ACol(31, 7)));
        Assert.Equal((15, 7), (Mma16816.BRow(31, 3), Mma16816.BCol(31)));
        Assert.Equal((15, 7), (Mma16816.CRow(31, 3), Mma16816.CCol(31, 3)));
    }

    [Fact]
    public void EveryElementBelongsToExactlyOneLane()
    {
        var lanes = Enumerable.Range(0, 32).ToList();
        Assert.Equal(Enumerable.Range(0, 256), lanes.SelectMany(l => Enumerable.Range(0, 8).Select(i => Mma16816.ARow(l, i) * 16 + Mma16816.ACol(l, i))).Order());
        Assert.Equal(Enumerable.Range(0, 128), lanes.SelectMany(l => Enumerable.Range(0, 4).Select(i => Mma16816.BRow(l, i) * 8 + Mma16816.BCol(l))).Order());
        Assert.Equal(Enumerable.Range(0, 128), lanes.SelectMany(l => Enumerable.Range(0, 4).Select(i => Mma16816.CRow(l, i) * 8 + Mma16816.CCol(l, i))).Order());
    }

    [Fact]
    public void TheEmulationComputesDEqualsABPlusC()
    {
        var random = new Random(3);
        float Half() => HalfBits.ToFloat(HalfBits.FromFloat((float)(random.NextDouble() * 4 - 2)));
        var a = Enumerable.Range(0, 256).Select(_ => Half()).ToArray();
        var b = Enumerable.Range(0, 128).Select(_ => Half()).ToArray();
        var c = Enumerable.Range(0, 128).Select(_ => (float)random.NextDouble()).ToArray();
        using var da = cpu.Upload(a);
        using var db = cpu.Upload(b);
        using var dc = cpu.Upload(c);
        using var dd = cpu.Accelerator.Allocate1D<float>(128);
        using var scratch = cpu.Accelerator.Allocate1D<float>(Mma16816.ScratchFloats);
        var kernel = cpu.Accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(OneWarp);
        kernel(new KernelConfig(1, 32), da.View, db.View, dc.View, dd.View, scratch.View);
        var d = cpu.Download(dd, 128);
        for (var row = 0; row < 16; row++)
            for (var col = 0; col < 8; col++)
            {
                var expected = c[row * 8 + col] + Enumerable.Range(0, 16).Sum(k => (double)a[row * 16 + k] * b[k * 8 + col]);
                Assert.InRange(Math.Abs(d[row * 8 + col] - expected), 0, 1e-5);
            }
    }

    /// <summary>One warp: each lane packs its fragments from row-major A (16×16), B (16×8) and C (16×8) by the layout, runs the emulation, writes D.</summary>
    private static void OneWarp(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> d, ArrayView<float> scratch)
    {
        var lane = Group.IdxX;
        var acc = new MmaAccumulator
        {
            C0 = c[Mma16816.CRow(lane, 0) * 8 + Mma16816.CCol(lane, 0)],
            C1 = c[Mma16816.CRow(lane, 1) * 8 + Mma16816.CCol(lane, 1)],
            C2 = c[Mma16816.CRow(lane, 2) * 8 + Mma16816.CCol(lane, 2)],
            C3 = c[Mma16816.CRow(lane, 3) * 8 + Mma16816.CCol(lane, 3)],
        };
        acc = Mma16816.Emulate(scratch, lane, A(a, lane, 0), A(a, lane, 2), A(a, lane, 4), A(a, lane, 6), B(b, lane, 0), B(b, lane, 2), acc);
        d[Mma16816.CRow(lane, 0) * 8 + Mma16816.CCol(lane, 0)] = acc.C0;
        d[Mma16816.CRow(lane, 1) * 8 + Mma16816.CCol(lane, 1)] = acc.C1;
        d[Mma16816.CRow(lane, 2) * 8 + Mma16816.CCol(lane, 2)] = acc.C2;
        d[Mma16816.CRow(lane, 3) * 8 + Mma16816.CCol(lane, 3)] = acc.C3;
    }

    private static uint A(ArrayView<float> a, int lane, int i) =>
        HalfBits.Pack(a[Mma16816.ARow(lane, i) * 16 + Mma16816.ACol(lane, i)], a[Mma16816.ARow(lane, i + 1) * 16 + Mma16816.ACol(lane, i + 1)]);

    private static uint B(ArrayView<float> b, int lane, int i) =>
        HalfBits.Pack(b[Mma16816.BRow(lane, i) * 8 + Mma16816.BCol(lane)], b[Mma16816.BRow(lane, i + 1) * 8 + Mma16816.BCol(lane)]);
}
