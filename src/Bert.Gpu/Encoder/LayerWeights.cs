using Bert.Gpu.Backends;
using Bert.Gpu.Model;
using static Bert.Gpu.Model.BertTensorNames;

namespace Bert.Gpu.Encoder;

/// <summary>One transformer layer's weights on a backend, with Q, K and V fused into one <c>[3·hidden, hidden]</c> GEMM.</summary>
internal sealed class LayerWeights : IDisposable
{
    public LayerWeights(BertModel model, int layer, IComputeBackend backend)
    {
        var p = Layer(layer);
        FloatTensor W(string part) => model[p + part + ".weight"];
        FloatTensor B(string part) => model[p + part + ".bias"];

        var hidden = model.Config.HiddenSize;
        var qkvWeight = new float[3 * hidden * hidden];
        var qkvBias = new float[3 * hidden];
        string[] parts = [LayerPart.Query, LayerPart.Key, LayerPart.Value];
        for (var i = 0; i < 3; i++)
        {
            W(parts[i]).Data.CopyTo(qkvWeight, i * hidden * hidden);
            B(parts[i]).Data.CopyTo(qkvBias, i * hidden);
        }
        Qkv = backend.UploadLinear(new FloatTensor(qkvWeight, 3 * hidden, hidden), new FloatTensor(qkvBias, 3 * hidden));
        AttentionOutput = backend.UploadLinear(W(LayerPart.AttentionOutput), B(LayerPart.AttentionOutput));
        AttentionNormGamma = backend.Upload(W(LayerPart.AttentionLayerNorm).Data);
        AttentionNormBeta = backend.Upload(B(LayerPart.AttentionLayerNorm).Data);
        Intermediate = backend.UploadLinear(W(LayerPart.Intermediate), B(LayerPart.Intermediate));
        Output = backend.UploadLinear(W(LayerPart.Output), B(LayerPart.Output));
        OutputNormGamma = backend.Upload(W(LayerPart.OutputLayerNorm).Data);
        OutputNormBeta = backend.Upload(B(LayerPart.OutputLayerNorm).Data);
    }

    public ILinearWeights Qkv { get; }
    public ILinearWeights AttentionOutput { get; }
    public IDeviceBuffer AttentionNormGamma { get; }
    public IDeviceBuffer AttentionNormBeta { get; }
    public ILinearWeights Intermediate { get; }
    public ILinearWeights Output { get; }
    public IDeviceBuffer OutputNormGamma { get; }
    public IDeviceBuffer OutputNormBeta { get; }

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
