using Xunit.Abstractions;
using static Bert.Gpu.Kernels.Attention.FlashAttentionTiling;
using static Bert.Gpu.Tests.Kernels.TensorCores.FlashAttentionPtxGenerator;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The CUDA path's PTX statements, without a GPU: run by <see cref="PtxGroupModel"/> group by group with the operands
/// the kernel hands them, in the kernel's order, on <see cref="FlashAttentionCase"/>, against the double-precision
/// reference. This checks what the CPU accelerator cannot: the register tiles, the ldmatrix/mma fragment plumbing,
/// the mask, the online softmax and the stores as the PTX text has them. Not modelled: the cp.async pipeline's timing
/// (copies land at once here; the kernel waits and synchronizes before reading) and the hardware's mma rounding.
/// </summary>
[Trait("Category", "Kernels")]
public class FlashAttentionPtxModelTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void TheCudaStatementsMatchDoublePrecisionSoftmax(int headDim)
    {
        var c = FlashAttentionCase.Make(headDim);
        var context = new ushort[c.Tokens * c.Hidden];
        for (var s = 0; s < c.Lengths.Length; s++)
            for (var head = 0; head < c.Heads; head++)
                for (var q0 = 0; q0 < c.Lengths[s]; q0 += Queries)
                    RunGroup(c, context, c.Starts[s], c.Lengths[s], head, q0);
        c.Check(context, output);
    }

    /// <summary>What <c>FlashAttentionKernel.Kernel</c> asks of one group, statement by statement.</summary>
    private static void RunGroup(FlashAttentionCase c, ushort[] context, int start, int length, int head, int q0)
    {
        var d = c.HeadDim;
        var model = new PtxGroupModel(c.Qkv, context, Threads, SharedBytes);
        long Index(int row, int column) => ((long)start + Math.Min(row, length - 1)) * 3 * c.Hidden + head * d + column;
        int RowA(int tid) => q0 + 16 * (tid >> 5) + ((tid & 31) >> 2);
        int T(int tid) => tid & 3;
        ulong Qkv(long index) => PtxGroupModel.QkvBase + 2 * (ulong)index;
        static ulong Int(int value) => (uint)value;

        model.Run(Statement("Declare"), tid => [Int(KeyLaneBytes(tid & 31, d)), Int(ValueLaneBytes(tid & 31, d))]);
        Func<int, ulong[]> queries = tid => [Qkv(Index(RowA(tid), 2 * T(tid))), Qkv(Index(RowA(tid) + 8, 2 * T(tid)))];
        model.Run(Statement("LoadQuery"), queries);
        if (d == 64)
            model.Run(Statement("LoadQueryHigh"), queries);
        var chunksPerRow = d / 8;
        for (var k0 = 0; k0 < length; k0 += Keys)
        {
            var stage = (k0 / Keys & 1) * StageBytes(d);
            for (var pass = 0; pass < Keys * chunksPerRow / Threads; pass++)
                model.Run(Statement("CopyChunks"), tid =>
                {
                    var chunk = tid + pass * Threads;
                    int key = chunk / chunksPerRow, column = 8 * (chunk % chunksPerRow);
                    var target = stage + key * RowHalves(d) * 2 + 2 * column;
                    var source = Qkv(Index(k0 + key, column) + c.Hidden);
                    return [Int(target), Int(target + TileBytes(d)), source, source + 2 * (ulong)c.Hidden];
                });
            model.Run(Statement($"Scores{d}"), _ => [Int(stage)]);
            if (k0 + Keys > length)
                model.Run(Statement("Mask"), tid => [Int(length - k0 - 2 * T(tid))]);
            model.Run(Statement("Softmax"), _ => [BitConverter.SingleToUInt32Bits(1.44269504f / MathF.Sqrt(d))]);
            model.Run(Statement("Rescale"), _ => []);
            if (d == 64)
                model.Run(Statement("RescaleHigh"), _ => []);
            model.Run(Statement($"Values{d}"), _ => [Int(stage)]);
        }
        ulong Output(int row, int tid) => PtxGroupModel.ContextBase + 2 * (ulong)(((long)start + row) * c.Hidden + head * d + 2 * T(tid));
        Func<int, ulong[]> outputs = tid => [Output(RowA(tid), tid), Output(RowA(tid) + 8, tid)];
        model.Run(Statement("Normalize"), tid => [Int(RowA(tid) < length ? 1 : 0), Int(RowA(tid) + 8 < length ? 1 : 0)]);
        model.Run(Statement("Store"), outputs);
        if (d == 64)
            model.Run(Statement("StoreHigh"), outputs);
    }
}
