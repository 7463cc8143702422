using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Model;
using Bert.Gpu.Weights;
using ILGPU;
using ILGPU.Runtime.OpenCL;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// A built-in model loaded once per test class, with ONNX Runtime on the same model.onnx beside it, and the backend
/// under test — or, for a device this machine lacks, the reason it is missing (the OpenCL lane always has one).
/// </summary>
public abstract class BuiltInModelFixture : IDisposable
{
    protected BuiltInModelFixture(string name, Func<IComputeBackend> backend)
    {
        Model = ModelLoader.Load(name);
        Oracle = new OnnxRuntimeOracle(BuiltInModels.ReadOnnx(name), Model.Config.HiddenSize);
        try
        {
            Backend = backend();
        }
        catch (BackendUnavailableException e) when (Environment.GetEnvironmentVariable("BERT_GPU_REQUIRE_OPENCL") != "1")
        {
            Missing = e.Message;
        }
    }

    public BertModel Model { get; }

    internal OnnxRuntimeOracle Oracle { get; }

    /// <summary>The backend under test; null when <see cref="Missing"/> says why.</summary>
    public IComputeBackend? Backend { get; }

    public string? Missing { get; }

    public void Dispose()
    {
        Oracle.Dispose();
        Backend?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The ILGPU backend on the first OpenCL device, or <see cref="BackendUnavailableException"/>.</summary>
    protected static IComputeBackend OpenCl()
    {
        using (var probe = Context.Create(b => b.OpenCL()))
            if (probe.GetCLDevices().Count == 0)
                throw new BackendUnavailableException("no OpenCL 2.0+ device with generic address space on this machine (the OpenCL lane runs PoCL 6)");
        return BackendFactory.Create("opencl");
    }
}

public sealed class MiniLmFixture() : BuiltInModelFixture("minilm", () => new HostBackend());

public sealed class ArcticXsFixture() : BuiltInModelFixture("arctic-xs", () => new HostBackend());

public sealed class MiniLmOpenClFixture() : BuiltInModelFixture("minilm", OpenCl);
