using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Support;

/// <summary>
/// A built-in model loaded once per test class, with ONNX Runtime on the same model.onnx beside it, and the backend
/// under test. For a device this machine lacks nothing is loaded: <see cref="Require"/> skips the test, or fails it
/// under the device's REQUIRE variable (<see cref="DeviceRequirement"/>).
/// </summary>
public abstract class BuiltInModelFixture : IDisposable
{
    private readonly TestDevice? _device;
    private readonly BertModel? _model;
    private readonly OnnxRuntimeOracle? _oracle;
    private readonly IComputeBackend? _backend;

    /// <param name="name">The built-in model.</param>
    /// <param name="device">The device the backend needs, or null for the host backend.</param>
    /// <param name="backend">Opens the backend under test; a device that exists but will not start throws, failing the class.</param>
    protected BuiltInModelFixture(string name, TestDevice? device, Func<IComputeBackend> backend)
    {
        _device = device;
        Missing = device is { } d ? DeviceRequirement.Probe(d) : null;
        if (Missing is not null)
            return;
        _model = ModelLoader.Load(name);
        _oracle = new OnnxRuntimeOracle(BuiltInModels.ReadOnnx(name), _model.Config.HiddenSize);
        _backend = backend();
    }

    /// <summary>Why the device is missing, or null.</summary>
    public string? Missing { get; }

    public BertModel Model => _model ?? throw new InvalidOperationException("No model without the device: call Require first.");

    internal OnnxRuntimeOracle Oracle => _oracle ?? throw new InvalidOperationException("No oracle without the device: call Require first.");

    /// <summary>The backend under test; null when <see cref="Missing"/> says why.</summary>
    public IComputeBackend? Backend => _backend;

    /// <summary>The backend under test, once the device requirement is met (see the class summary).</summary>
    public IComputeBackend Require()
    {
        if (_device is { } device)
            DeviceRequirement.Require(device, Missing);
        return _backend!;
    }

    public void Dispose()
    {
        _oracle?.Dispose();
        _backend?.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class MiniLmFixture() : BuiltInModelFixture("minilm", null, () => new HostBackend());

public sealed class ArcticXsFixture() : BuiltInModelFixture("arctic-xs", null, () => new HostBackend());

public sealed class MiniLmOpenClFixture() : BuiltInModelFixture("minilm", TestDevice.OpenCL, () => BackendFactory.Create("opencl"));

public sealed class ArcticXsOpenClFixture() : BuiltInModelFixture("arctic-xs", TestDevice.OpenCL, () => BackendFactory.Create("opencl"));

public sealed class MiniLmCudaFixture() : BuiltInModelFixture("minilm", TestDevice.Cuda, () => BackendFactory.Create("cuda"));

public sealed class ArcticXsCudaFixture() : BuiltInModelFixture("arctic-xs", TestDevice.Cuda, () => BackendFactory.Create("cuda"));
