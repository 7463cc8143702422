using System.Diagnostics;
using System.Text.Json;
using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.DeviceCheck.Tests;

/// <summary>
/// <c>Bert.Gpu.DeviceCheck tests [--filter EXPR] [--out DIR]</c>: runs the xunit tests of Bert.Gpu.Tests (compiled into
/// this program) in-process, by default <c>Category=CUDA</c>, writing <c>DIR/tests.log</c> and <c>DIR/tests.json</c>. How
/// bench/gpu/run.sh runs the CUDA test category on a GPU machine without the .NET SDK.
/// </summary>
internal static class TestCommand
{
    public const string Usage =
        "usage: Bert.Gpu.DeviceCheck tests [--filter EXPR] [--out DIR]\n"
        + "  Runs the Bert.Gpu.Tests xunit tests that EXPR selects (default Category=CUDA; terms KEY=V, KEY!=V, KEY~V, KEY!~V\n"
        + "  joined by &, KEY = FullyQualifiedName, DisplayName or a trait) in this process; writes DIR/tests.log and\n"
        + "  DIR/tests.json (DIR defaults to ./devicecheck-out). Set BERT_GPU_REQUIRE_CUDA=1 to fail tests without a GPU.\n"
        + "  Exit status: 0 every selected test ran and passed, 1 a test failed (or a fixture's cleanup), 2 usage error,\n"
        + "  5 no test matched, 6 every selected test was skipped (nothing ran).";

    private static readonly string[] Variables = ["BERT_GPU_REQUIRE_CUDA", "BERT_GPU_REQUIRE_OPENCL", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES"];

    public static int Run(string[] args)
    {
        string filterText = "Category=CUDA", outDir = "devicecheck-out";
        TestFilter filter;
        try
        {
            for (var i = 0; i < args.Length; i++)
            {
                string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--filter": filterText = Value(); break;
                    case "--out": outDir = Value(); break;
                    default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
                }
            }
            filter = new TestFilter(filterText);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Directory.CreateDirectory(outDir);
        var started = DateTimeOffset.Now;
        var watch = Stopwatch.StartNew();
        var outcomes = new List<TestOutcome>();
        using var log = new RunLog(Path.Combine(outDir, "tests.log"));
        log.Line($"Bert.Gpu.DeviceCheck tests --filter \"{filter.Expression}\", started {started:u}");
        foreach (var name in Variables)
            log.Line($"{name}={Environment.GetEnvironmentVariable(name) ?? "(unset)"}");

        var assembly = typeof(DeviceRequirement).Assembly;
        var (selected, errors) = new InProcessTestRunner(assembly, log.Line).Run(filter, outcome =>
        {
            lock (outcomes)
            {
                outcomes.Add(outcome);
                Report(log, outcome);
            }
        });
        foreach (var error in errors)
            log.Line(error);

        int passed = outcomes.Count(o => o.Outcome == "passed"), failed = outcomes.Count(o => o.Outcome == "failed");
        var skipped = outcomes.Count(o => o.Outcome == "skipped");
        var exit = selected == 0 ? 5 : failed > 0 || errors.Count > 0 ? 1 : passed == 0 ? 6 : 0;
        var verdict = exit switch
        {
            0 => "every selected test passed",
            1 => $"{failed} test(s) failed{(errors.Count > 0 ? $", {errors.Count} error(s) outside tests" : "")}",
            5 => $"no test matches {filter.Expression}",
            _ => "every selected test was skipped: nothing ran",
        };
        File.WriteAllText(Path.Combine(outDir, "tests.json"), JsonSerializer.Serialize(new
        {
            tool = "Bert.Gpu.DeviceCheck tests",
            filter = filter.Expression,
            started,
            seconds = watch.Elapsed.TotalSeconds,
            environment = Variables.ToDictionary(v => v, Environment.GetEnvironmentVariable),
            passed,
            failed,
            skipped,
            errors,
            exitCode = exit,
            verdict,
            tests = outcomes,
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        log.Line($"{verdict}; exit {exit} after {watch.Elapsed.TotalSeconds:0.0} s; wrote {Path.Combine(outDir, "tests.log")} and tests.json");
        // The plain closing line that CI log readers and people look for.
        log.Line($"{passed} passed, {failed} failed, {skipped} skipped");
        return exit;
    }

    private static void Report(RunLog log, TestOutcome outcome)
    {
        switch (outcome.Outcome)
        {
            case "passed":
                log.Line($"PASS {outcome.Name} ({outcome.Seconds:0.00} s)");
                break;
            case "failed":
                log.Line($"FAIL {outcome.Name} ({outcome.Seconds:0.00} s): {outcome.Message}");
                foreach (var line in (outcome.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(6))
                    log.Line($"    {line.TrimEnd()}");
                break;
            default:
                log.Line($"SKIP {outcome.Name}: {outcome.Message}");
                break;
        }
        foreach (var line in outcome.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            log.Line($"    | {line.TrimEnd()}");
    }
}
