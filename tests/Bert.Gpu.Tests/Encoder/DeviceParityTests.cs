using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Encoder;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Encoder;

/// <summary>
/// A built-in model through the ILGPU backend on a device: the ONNX Runtime checks of <see cref="OnnxRuntimeParityTests"/>
/// (held-out texts and a sequence of the model's full length: 256 tokens for MiniLM, 512 for arctic-xs), and the same
/// batch against the host backend, the reference DeviceCheck and the kernel tests hold devices to.
/// </summary>
/// <remarks>
/// These need the built-in models' package DLLs (87 MiB each), which cannot travel to the lent GPU machine within the
/// device tool's 64 MiB: the CUDA ones carry <c>Needs=BuiltInModels</c> so bench/gpu/run.sh can leave them out there
/// (docs/GPU-CHECK.md); any CUDA machine with the SDK runs them with <c>dotnet test --filter Category=CUDA</c>.
/// </remarks>
public abstract class DeviceParityTests : OnnxRuntimeParityTests
{
    private readonly BuiltInModelFixture _fixture;

    protected DeviceParityTests(BuiltInModelFixture fixture, int maxLength) : base(fixture, maxLength) => _fixture = fixture;

    [SkippableFact]
    public void LastHiddenStateMatchesTheHostBackend()
    {
        var device = _fixture.Require();
        var model = _fixture.Model;
        var longest = HeldOutTexts.Load(200, 512).SelectMany(t => t.Ids[1..^1]).Take(model.MaxLength - 2);
        var batch = new PackedBatch(HeldOutTexts.Load(12, model.MaxLength).Select(t => t.Ids)
            .Append([101, .. longest, 102])
            .Select(ids => new TokenizedText(ids, new int[ids.Length]))
            .ToList());
        float[] LastHiddenState(IComputeBackend backend)
        {
            var output = new float[batch.TotalTokens * model.Config.HiddenSize];
            using var encoder = new BertEncoder(model, backend);
            encoder.LastHiddenState(batch, output);
            return output;
        }

        var onDevice = LastHiddenState(device);
        using var host = new HostBackend();
        Assert.InRange(Reference.MaxAbsDiff(onDevice, LastHiddenState(host)), 0f, 1e-4f);
    }
}

[Trait("Category", "OpenCL")]
[Collection(Kernels.OpenClDeviceCollection.Name)]
public sealed class MiniLmOpenClParityTests(MiniLmOpenClFixture fixture) : DeviceParityTests(fixture, maxLength: 256), IClassFixture<MiniLmOpenClFixture>;

[Trait("Category", "OpenCL")]
[Collection(Kernels.OpenClDeviceCollection.Name)]
public sealed class ArcticXsOpenClParityTests(ArcticXsOpenClFixture fixture) : DeviceParityTests(fixture, maxLength: 512), IClassFixture<ArcticXsOpenClFixture>;

[Trait("Category", "CUDA")]
[Trait("Needs", "BuiltInModels")]
[Collection(Kernels.CudaDeviceCollection.Name)]
public sealed class MiniLmCudaParityTests(MiniLmCudaFixture fixture) : DeviceParityTests(fixture, maxLength: 256), IClassFixture<MiniLmCudaFixture>;

[Trait("Category", "CUDA")]
[Trait("Needs", "BuiltInModels")]
[Collection(Kernels.CudaDeviceCollection.Name)]
public sealed class ArcticXsCudaParityTests(ArcticXsCudaFixture fixture) : DeviceParityTests(fixture, maxLength: 512), IClassFixture<ArcticXsCudaFixture>;
