using BenchmarkDotNet.Running;
using Bert.Gpu.Bench;

// `e2e …` compares the whole encoder with ONNX Runtime; anything else goes to BenchmarkDotNet.
return args.FirstOrDefault() == "e2e"
    ? EndToEndComparison.Run(args[1..])
    : BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).Any() ? 0 : 1;
