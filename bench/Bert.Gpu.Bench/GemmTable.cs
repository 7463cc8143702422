using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Host.Fp32;
using Bert.Gpu.Model;

namespace Bert.Gpu.Bench;

/// <summary>
/// <c>gemm [--paths avx512,avx2,portable] [--rows M] [--repeats N]</c>: the host fp32 GEMM on every path this CPU runs
/// natively (or the ones named), at MiniLM's and BERT-base's linear shapes, in GFLOP/s and % of that path's FMA peak
/// (<see cref="FmaPeak"/>), with the one-core FMA rate that checks the peak's pipe count. M defaults to 4,096 tokens
/// (32 sequences of 128).
/// </summary>
internal static class GemmTable
{
    private static readonly (string Model, int N, int K)[] Shapes =
        [("MiniLM qkv", 1152, 384), ("MiniLM ffn in", 1536, 384), ("MiniLM ffn out", 384, 1536),
         ("BERT-base qkv", 2304, 768), ("BERT-base ffn in", 3072, 768), ("BERT-base ffn out", 768, 3072)];

    public static int Run(string[] args)
    {
        var rows = int.Parse(Args.Get(args, "--rows") ?? "4096", System.Globalization.CultureInfo.InvariantCulture);
        var repeats = int.Parse(Args.Get(args, "--repeats") ?? "7", System.Globalization.CultureInfo.InvariantCulture);
        var paths = Args.Get(args, "--paths") is { } named
            ? named.Split(',').Select(p => Enum.Parse<HostFp32Path>(p, ignoreCase: true)).ToArray()
            : Enum.GetValues<HostFp32Path>().Where(HostFp32Paths.IsSupported).Reverse().ToArray();
        Console.WriteLine($"host fp32 GEMM, M = {rows} rows, {Environment.ProcessorCount} threads, median of {repeats}");
        Console.WriteLine("| path | shape (N × K) | ms | GFLOP/s | % of the path's peak |");
        Console.WriteLine("|---|---|---:|---:|---:|");
        var notes = new List<string>();
        foreach (var path in paths)
        {
            var (peak, isa, gigaHertz) = FmaPeak.Measure(path);
            var perCycle = FmaPeak.FmasPerCycle(path, gigaHertz);
            notes.Add($"{isa}: peak {peak:F0} GFLOP/s = {Environment.ProcessorCount} cores × 2 FMA pipes × {HostFp32Paths.Lanes(path)} lanes × 2 × " +
                      $"{gigaHertz:F2} GHz (measured); one core retired {perCycle:F2} {isa} FMAs per cycle");
            using var backend = new HostBackend(0, path);
            foreach (var (model, n, k) in Shapes)
            {
                var random = new Random(n + k);
                using var x = backend.Upload(Enumerable.Range(0, rows * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
                using var y = backend.Allocate(rows * n);
                using var w = backend.UploadLinear(
                    new FloatTensor(Enumerable.Range(0, n * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray(), n, k),
                    new FloatTensor(new float[n], n));
                var seconds = Timing.Median(repeats, () => backend.Linear(x, rows, w, Activation.None, null, y));
                var gflops = 2.0 * rows * n * k / seconds / 1e9;
                Console.WriteLine($"| {isa} | {model} {n} × {k} | {seconds * 1e3:F1} | {gflops:F0} | {gflops / peak:P0} |");
            }
        }
        notes.ForEach(Console.WriteLine);
        return 0;
    }
}
