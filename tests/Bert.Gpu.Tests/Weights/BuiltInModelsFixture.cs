using System.Diagnostics;
using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Weights;

/// <summary>Imports both built-in models once for the whole collection: each is a 90 MB ONNX graph.</summary>
public sealed class BuiltInModelsFixture
{
    public BuiltInModelsFixture()
    {
        var watch = Stopwatch.StartNew();
        MiniLm = ModelLoader.Load("minilm");
        MiniLmLoadTime = watch.Elapsed;
        watch.Restart();
        ArcticXs = ModelLoader.Load("arctic-xs");
        ArcticXsLoadTime = watch.Elapsed;
    }

    public BertModel MiniLm { get; }

    public BertModel ArcticXs { get; }

    public TimeSpan MiniLmLoadTime { get; }

    public TimeSpan ArcticXsLoadTime { get; }

    public BertModel this[string name] => name == "minilm" ? MiniLm : ArcticXs;
}
