using Bert.Gpu.Kernels.Attention;
using Bert.Gpu.Kernels.Catalog;
using Bert.Gpu.Tests.Support;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// The tensor-core attention's PTX, without a GPU: the generated asm constants are current, and ILGPU's sm_80 code
/// generation keeps the instructions the design rests on. ptxas's verdict (no spills, no stack, no LDL/STL, ≤ 48 KB
/// shared, HMMA, LDSM and LDGSTS in the SASS) comes from the catalog's <see cref="PtxasTests"/>.
/// </summary>
[Trait("Category", "Kernels")]
public class FlashAttentionPtxTests(ITestOutputHelper output)
{
    [Fact]
    public void TheGeneratedPtxIsCurrent()
    {
        var path = System.IO.Path.Combine(RepoPaths.Root, FlashAttentionPtxGenerator.Path);
        var source = FlashAttentionPtxGenerator.Source();
        var current = File.ReadAllText(path) == source;
        if (!current && Environment.GetEnvironmentVariable("BERT_GPU_WRITE_PTX") == "1")
        {
            // Rewriting is not passing: the rewritten file still has to be built and checked.
            File.WriteAllText(path, source);
            Assert.Fail($"{FlashAttentionPtxGenerator.Path} was stale and is rewritten: rebuild and rerun without BERT_GPU_WRITE_PTX.");
        }
        Assert.True(current, $"{FlashAttentionPtxGenerator.Path} is stale: run this test with BERT_GPU_WRITE_PTX=1, then rebuild");
    }

    [Fact]
    public void CompilesForSm80WithTheTensorCoreInstructions()
    {
        using var emitter = new PtxEmitter();
        var ptx = emitter.Emit(KernelCatalog.All.Single(v => v.Launcher == typeof(FlashAttentionKernel)));
        Assert.Contains(".target sm_80", ptx);
        Assert.Contains("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32", ptx);
        Assert.Contains("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16", ptx);
        Assert.Contains("cp.async.cg.shared.global", ptx);
        output.WriteLine($"{ptx.Split('\n').Length} lines of PTX");
    }
}
