using System.Diagnostics;
using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Bench;

/// <summary>
/// <c>profile [--qbert FILE]</c>: where the host encoder's time goes over the corpus, per operation (each linear by
/// format and shape, attention, LayerNorms, pooling), for the fp32 model and, given a .qbert, the int8 one. The host
/// backend is synchronous, so a stopwatch around each call is the op's time.
/// </summary>
internal static class OpProfile
{
    public static int Run(string[] args)
    {
        var run = CorpusRun.Load(args);
        var models = new List<(string Name, BertModel Model)> { ("fp32", run.Model) };
        if (Args.Get(args, "--qbert") is { } qbert)
            models.Add(("int8", ModelLoader.Load(qbert)));
        Console.WriteLine($"model {run.ModelName}: {run.Texts.Count} texts, {run.Tokens} tokens, {Environment.ProcessorCount} cores");
        foreach (var (name, model) in models)
        {
            using var host = new HostBackend();
            var timed = new TimedBackend(host);
            using var embedder = new Embedder(model, timed);
            embedder.EmbedAsync(run.Sequences).GetAwaiter().GetResult(); // warm-up: JIT, buffers
            timed.Times.Clear();
            var clock = Stopwatch.StartNew();
            embedder.EmbedAsync(run.Sequences).GetAwaiter().GetResult();
            var total = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"\n{name}: {total:F2} s, {run.Tokens / total:F0} tokens/s on {host.DeviceName}");
            Console.WriteLine("| op | calls | seconds | share |");
            Console.WriteLine("|---|---:|---:|---:|");
            foreach (var (op, (calls, seconds)) in timed.Times.OrderByDescending(t => t.Value.Seconds))
                Console.WriteLine($"| {op} | {calls} | {seconds:F2} | {seconds / total:P1} |");
        }
        return 0;
    }

    private sealed class TimedBackend(IComputeBackend inner) : IComputeBackend
    {
        public Dictionary<string, (int Calls, double Seconds)> Times { get; } = [];

        private void Time(string op, Action action)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var (calls, total) = Times.GetValueOrDefault(op);
            Times[op] = (calls + 1, total + seconds);
        }

        public string DeviceName => inner.DeviceName;
        public IDeviceBuffer Allocate(int length) => inner.Allocate(length);
        public IDeviceBuffer AllocateHalf(int length) => inner.AllocateHalf(length);
        public bool SupportsHalfAttention(int headDim) => inner.SupportsHalfAttention(headDim);
        public IDeviceBuffer Upload(ReadOnlySpan<float> values) => inner.Upload(values);
        public IDeviceBuffer Upload(ReadOnlySpan<int> values) => inner.Upload(values);
        public bool Supports(LinearFormat format) => inner.Supports(format);

        public Precision AutoPrecision => inner.AutoPrecision;
        public ILinearWeights UploadLinear(LinearLayer layer) => inner.UploadLinear(layer);
        public void Download(IDeviceBuffer source, Span<float> destination) => inner.Download(source, destination);

        public void EmbedLayerNorm(DeviceBatch batch, IDeviceBuffer wordEmbeddings, IDeviceBuffer positionEmbeddings,
            IDeviceBuffer typeEmbeddings, IDeviceBuffer gamma, IDeviceBuffer beta, int hidden, float epsilon, IDeviceBuffer output,
            IDeviceBuffer? halfCopy = null) =>
            Time("embeddings + LayerNorm", () => inner.EmbedLayerNorm(batch, wordEmbeddings, positionEmbeddings, typeEmbeddings, gamma, beta, hidden, epsilon, output, halfCopy));

        public void Linear(IDeviceBuffer x, int rows, ILinearWeights weights, Activation activation, IDeviceBuffer? residual, IDeviceBuffer y,
            IDeviceBuffer? halfCopy = null) =>
            Time($"linear {weights.Format} {weights.OutFeatures}×{weights.InFeatures}{(activation == Activation.Gelu ? " +GELU" : "")}{(residual is null ? "" : " +residual")}",
                () => inner.Linear(x, rows, weights, activation, residual, y, halfCopy));

        public void Attention(DeviceBatch batch, IDeviceBuffer qkv, int heads, int headDim, IDeviceBuffer context, Precision precision = Precision.Fp32) =>
            Time("attention", () => inner.Attention(batch, qkv, heads, headDim, context, precision));

        public void LayerNorm(IDeviceBuffer x, int rows, int width, IDeviceBuffer gamma, IDeviceBuffer beta, float epsilon,
            IDeviceBuffer? halfCopy = null) =>
            Time("LayerNorm", () => inner.LayerNorm(x, rows, width, gamma, beta, epsilon, halfCopy));

        public void Pool(DeviceBatch batch, IDeviceBuffer hidden, int width, PoolingMode mode, IDeviceBuffer output) =>
            Time("pool", () => inner.Pool(batch, hidden, width, mode, output));

        public void L2Normalize(IDeviceBuffer x, int rows, int width) => Time("L2 normalize", () => inner.L2Normalize(x, rows, width));

        public void Dispose()
        {
            // The inner backend belongs to the caller.
        }
    }
}
