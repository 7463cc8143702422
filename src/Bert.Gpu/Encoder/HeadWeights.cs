using Bert.Gpu.Backends;
using Bert.Gpu.Heads;
using Bert.Gpu.Model;

namespace Bert.Gpu.Encoder;

/// <summary>A task head's tensors on a backend, one entry per step (<see cref="TaskHead.Steps"/>), and the widest row it makes.</summary>
internal sealed class HeadWeights : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public HeadWeights(BertModel model, TaskHead head, IComputeBackend backend)
    {
        Head = head;
        var width = model.Config.HiddenSize;
        MaxWidth = width;
        foreach (var step in head.Steps)
        {
            switch (step)
            {
                case LinearStep linear:
                    var weights = backend.UploadLinear(new Fp32Linear(model[linear.Weight], model[linear.Bias]));
                    _owned.Add(weights);
                    Linears.Add(step, weights);
                    width = weights.OutFeatures;
                    break;
                case LayerNormStep norm:
                    var gamma = backend.Upload(model[norm.Gamma].Data);
                    var beta = backend.Upload(model[norm.Beta].Data);
                    _owned.Add(gamma);
                    _owned.Add(beta);
                    Norms.Add(step, (gamma, beta));
                    break;
            }
            MaxWidth = Math.Max(MaxWidth, width);
        }
    }

    public TaskHead Head { get; }

    /// <summary>The widest row any step writes (the vocabulary for fill-mask).</summary>
    public int MaxWidth { get; }

    public Dictionary<HeadStep, ILinearWeights> Linears { get; } = new(ReferenceEqualityComparer.Instance);

    public Dictionary<HeadStep, (IDeviceBuffer Gamma, IDeviceBuffer Beta)> Norms { get; } = new(ReferenceEqualityComparer.Instance);

    public void Dispose()
    {
        foreach (var d in _owned)
            d.Dispose();
    }
}
