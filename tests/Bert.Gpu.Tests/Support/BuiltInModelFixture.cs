using Bert.Gpu.Backends.Host;
using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Support;

/// <summary>A built-in model loaded once per test class, with ONNX Runtime on the same model.onnx beside it.</summary>
public abstract class BuiltInModelFixture : IDisposable
{
    protected BuiltInModelFixture(string name)
    {
        Model = ModelLoader.Load(name);
        Oracle = new OnnxRuntimeOracle(BuiltInModels.ReadOnnx(name), Model.Config.HiddenSize);
    }

    public BertModel Model { get; }

    internal OnnxRuntimeOracle Oracle { get; }

    public HostBackend Backend { get; } = new();

    public void Dispose()
    {
        Oracle.Dispose();
        Backend.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class MiniLmFixture() : BuiltInModelFixture("minilm");

public sealed class ArcticXsFixture() : BuiltInModelFixture("arctic-xs");
