using BenchmarkDotNet.Running;
using Bert.Gpu.Bench;

// `e2e …` compares the whole encoder with ONNX Runtime, `scheduler …` the batch scheduler with fixed padded batches;
// anything else goes to BenchmarkDotNet.
return args.FirstOrDefault() switch
{
    "e2e" => EndToEndComparison.Run(args[1..]),
    "scheduler" => SchedulerComparison.Run(args[1..]),
    _ => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).Any() ? 0 : 1,
};
