using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>Placeholder until model loading lands.</summary>
public static class ModelLoader
{
    /// <summary>Loads a model.</summary>
    public static BertModel Load(string spec) => throw new NotImplementedException(spec);
}
