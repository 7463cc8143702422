using BenchmarkDotNet.Running;
using Bert.Gpu.Bench;

// `e2e …` compares the whole encoder with ONNX Runtime, `scheduler …` the batch scheduler with fixed padded batches,
// `int8 …` our int8 and fp32 with ORT's (bench/int8/compare.sh runs it with `export-onnx` and `corpus`), `profile …` the
// time per op, `cls …` the CLS-only last layer against the whole one, `gemm …` the fp32 GEMM per ISA path and shape;
// anything else goes to BenchmarkDotNet.
return args.FirstOrDefault() switch
{
    "e2e" => EndToEndComparison.Run(args[1..]),
    "scheduler" => SchedulerComparison.Run(args[1..]),
    "int8" => Int8Comparison.Run(args[1..]),
    "export-onnx" => ExportOnnx(args[1..]),
    "profile" => OpProfile.Run(args[1..]),
    "cls" => ClsOnlyComparison.Run(args[1..]),
    "gemm" => GemmTable.Run(args[1..]),
    "corpus" => WriteCorpus(args[1..]),
    _ => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).Any() ? 0 : 1,
};

// `export-onnx --model NAME --output FILE`: the built-in model's model.onnx, for tools outside .NET (bench/onnx).
static int ExportOnnx(string[] args)
{
    File.WriteAllBytes(Args.Get(args, "--output") ?? throw new ArgumentException("export-onnx: --output FILE.onnx"),
        Bert.Gpu.Weights.BuiltInModels.ReadOnnx(Args.Get(args, "--model") ?? "minilm"));
    return 0;
}

// `corpus --skip N --texts M --output FILE`: fortunes entries N … N+M−1, one per line: calibration text the benchmark's
// first N entries never see.
static int WriteCorpus(string[] args)
{
    var skip = int.Parse(Args.Get(args, "--skip") ?? "2000", System.Globalization.CultureInfo.InvariantCulture);
    var count = int.Parse(Args.Get(args, "--texts") ?? "3000", System.Globalization.CultureInfo.InvariantCulture);
    var texts = FortuneCorpus.Read(Args.Get(args, "--corpus") ?? "/usr/share/games/fortunes", skip + count).Skip(skip);
    File.WriteAllLines(Args.Get(args, "--output") ?? throw new ArgumentException("corpus: --output FILE"), texts);
    return 0;
}
