using Bert.Gpu.Backends;
using Bert.Gpu.Model;
using static Bert.Gpu.Model.BertTensorNames;

namespace Bert.Gpu.Encoder;

/// <summary>One transformer layer's weights on a backend, each linear unit in its own format (<see cref="BertModel.Linear"/>), Q, K and V fused into one GEMM.</summary>
internal sealed class LayerWeights : IDisposable
{
    /// <summary>Uploads layer <paramref name="layer"/> of <paramref name="model"/> to <paramref name="backend"/>; <paramref name="precision"/> is resolved (never <see cref="Precision.Auto"/>): with fp16 the fp32 units go up in fp16, int8 ones stay int8.</summary>
    public LayerWeights(BertModel model, int layer, IComputeBackend backend, Precision precision)
    {
        var p = Layer(layer);
        ILinearWeights Upload(LinearUnit unit)
        {
            var linear = model.Linear(layer, unit);
            if (precision == Precision.Fp16 && linear is Fp32Linear fp32)
                linear = Fp16Linear.From(fp32);
            return backend.Supports(linear.Format)
                ? backend.UploadLinear(linear)
                : throw new NotSupportedException($"{backend.DeviceName} cannot run {linear.Format} layers ({BertTensorNames.Unit(layer, unit)} of {model.Name}); use another --device, or an fp32 model.");
        }

        Qkv = Upload(LinearUnit.Qkv);
        AttentionOutput = Upload(LinearUnit.AttentionOutput);
        AttentionNormGamma = backend.Upload(model[p + LayerPart.AttentionLayerNorm + ".weight"].Data);
        AttentionNormBeta = backend.Upload(model[p + LayerPart.AttentionLayerNorm + ".bias"].Data);
        Intermediate = Upload(LinearUnit.Intermediate);
        Output = Upload(LinearUnit.Output);
        OutputNormGamma = backend.Upload(model[p + LayerPart.OutputLayerNorm + ".weight"].Data);
        OutputNormBeta = backend.Upload(model[p + LayerPart.OutputLayerNorm + ".bias"].Data);
    }

    public ILinearWeights Qkv { get; }
    public ILinearWeights AttentionOutput { get; }
    public IDeviceBuffer AttentionNormGamma { get; }
    public IDeviceBuffer AttentionNormBeta { get; }
    public ILinearWeights Intermediate { get; }
    public ILinearWeights Output { get; }
    public IDeviceBuffer OutputNormGamma { get; }
    public IDeviceBuffer OutputNormBeta { get; }

    /// <summary>The four linear units, in the order they run.</summary>
    public IEnumerable<ILinearWeights> Units => [Qkv, AttentionOutput, Intermediate, Output];

    public void Dispose()
    {
        Qkv.Dispose();
        AttentionOutput.Dispose();
        AttentionNormGamma.Dispose();
        AttentionNormBeta.Dispose();
        Intermediate.Dispose();
        Output.Dispose();
        OutputNormGamma.Dispose();
        OutputNormBeta.Dispose();
    }
}
