using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using ILGPU.Runtime.Cuda;

namespace Bert.Gpu.Tests.Kernels;

[Trait("Category", "Kernels")]
[Collection(CpuAcceleratorCollection.Name)]
public class IlgpuBackendTests(CpuAccelerator cpu)
{
    private const float Tolerance = 1e-4f;

    [Fact]
    public void EncoderMatchesHostBackend()
    {
        using var host = new HostBackend(threads: 2);
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        var difference = BackendParity.Encoder(ilgpu, host, TinyBert.Create(), [1, 7, 33, 2]);
        Assert.True(difference <= Tolerance, $"max |Δ| = {difference}");
    }

    [Fact]
    public void OpsMatchHostBackendThroughTheOpenClChecks()
    {
        // The checks the OpenCL lane runs at real shapes, here at tiny ones, so they are known to hold on a correct backend.
        using var host = new HostBackend(threads: 2);
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        Assert.True(BackendParity.Linear(ilgpu, host, 37, 53, 29, Activation.Gelu, residual: true) <= 1e-4f);
        Assert.True(BackendParity.Linear(ilgpu, host, 37, 53, 29, Activation.GeluTanh, residual: true) <= 1e-4f);
        Assert.True(BackendParity.Linear(ilgpu, host, 9, 30, 70, Activation.Relu, residual: false) <= 1e-4f);
        Assert.True(BackendParity.Linear(ilgpu, host, 9, 30, 70, Activation.Tanh, residual: true) <= 1e-4f);
        Assert.True(BackendParity.Int8Linear(ilgpu, host, 37, 53, 29, Activation.GeluTanh, residual: false, staticScale: null) <= 1e-4f);
        Assert.True(BackendParity.Int8Linear(ilgpu, host, 37, 53, 29, Activation.Gelu, residual: true, staticScale: null) <= 1e-4f);
        Assert.True(BackendParity.Int8Linear(ilgpu, host, 9, 30, 70, Activation.None, residual: false, staticScale: 0.01f) <= 1e-4f);
        Assert.True(BackendParity.Attention(ilgpu, host, [1, 7, 33], 2, 16) <= 1e-4f);
        Assert.True(BackendParity.LayerNorm(ilgpu, host, 5, 37) <= 1e-4f);
        foreach (var mode in Enum.GetValues<PoolingMode>())
            Assert.True(BackendParity.Pool(ilgpu, host, [3, 1, 4], 37, mode, normalize: true) <= 1e-5f);
    }

    [Theory]
    [InlineData(PoolingMode.Cls, false)]
    [InlineData(PoolingMode.Max, true)]
    [InlineData(PoolingMode.Mean, true)]
    public void EmbedderMatchesHostBackendOverSeveralBatches(PoolingMode pooling, bool normalize)
    {
        var model = TinyBert.Create();
        // A 40-token budget cuts these into four batches, so pooled id buffers are reused.
        var sequences = TinyBert.Sequences(new Random(2), [33, 5, 1, 12, 20, 3, 9]);
        var options = new EmbedderOptions { Pooling = pooling, Normalize = normalize, MaxLength = 40, MaxBatchTokens = 40 };
        var expected = Embed(new HostBackend(threads: 2), model, options, sequences);
        var actual = Embed(new IlgpuBackend(cpu.Accelerator), model, options, sequences);

        Assert.True(Reference.MaxAbsDiff(expected, actual) <= Tolerance, $"max |Δ| = {Reference.MaxAbsDiff(expected, actual)}");
    }

    [Fact]
    public void BatchIdsReuseDeviceMemory()
    {
        using var backend = new IlgpuBackend(cpu.Accelerator);
        var batch = new PackedBatch(TinyBert.Sequences(new Random(3), [5, 9]));
        batch.Upload(backend).Dispose();
        var held = backend.AllocatedBytes;
        for (var i = 0; i < 3; i++)
            batch.Upload(backend).Dispose();
        Assert.Equal(held, backend.AllocatedBytes);
    }

    [Fact]
    public void RequestBeyondDeviceMemoryFailsClearly()
    {
        // The CPU emulator reports unlimited memory: a 1 MiB cap stands in for a full GPU.
        using var backend = new IlgpuBackend(cpu.Accelerator, memoryLimitBytes: 1 << 20);
        using var weights = backend.Allocate(200_000);
        var error = Assert.Throws<InvalidOperationException>(() => backend.Allocate(100_000));
        Assert.Contains("MaxBatchTokens", error.Message);
        Assert.Equal(800_000, backend.AllocatedBytes);
    }

    [Fact]
    public void FactoryOpensTheEmulatorForIlgpuCpu()
    {
        using var backend = BackendFactory.Create("ilgpu-cpu");
        Assert.Contains("kernel debugging only", backend.DeviceName);
        using var x = backend.Upload([3f, 4f, 0f, 0f]);
        backend.L2Normalize(x, 2, 2);
        var actual = new float[4];
        backend.Download(x, actual);
        Assert.Equal([0.6f, 0.8f, 0f, 0f], actual);
    }

    [Fact]
    public void CudaWithoutADriverSaysWhy()
    {
        CudaDriverResolver.Install();
        if (CudaAPI.CurrentAPI.IsSupported)
            return; // a machine with a CUDA driver: nothing to explain
        var error = Assert.Throws<BackendUnavailableException>(() => BackendFactory.Create("cuda"));
        Assert.Contains("libcuda.so.1", error.Message);
    }

    private static float[] Embed(IComputeBackend backend, BertModel model, EmbedderOptions options, IReadOnlyList<Bert.Gpu.Tokenization.TokenizedText> sequences)
    {
        using (backend)
        using (var embedder = new Embedder(model, backend, options))
            return embedder.EmbedAsync(sequences).GetAwaiter().GetResult();
    }
}
