using Bert.Gpu.Fuzz;
using Bert.Gpu.Fuzz.Seeds;
using SharpFuzz;

const string Usage = """
    usage: Bert.Gpu.Fuzz TARGET                   one input from stdin per run, as afl-fuzz drives it (SharpFuzz fork server)
           Bert.Gpu.Fuzz replay TARGET PATH...    run TARGET on each file (or each file of a folder); exit 1 on the first failure
           Bert.Gpu.Fuzz seeds FOLDER             write the generated binary seeds (onnx, safetensors, config) under FOLDER
           Bert.Gpu.Fuzz list                     the targets and what each asserts
    """;

switch (args)
{
    case ["list"]:
        foreach (var t in FuzzTargets.All)
            Console.WriteLine($"{t.Name,-16} {t.Summary}");
        return 0;
    case ["seeds", var folder]:
        SeedWriter.Write(folder);
        return 0;
    case ["replay", var name, .. var paths] when paths.Length > 0 && FuzzTargets.Find(name) is { } target:
        return Replay.Run(target, paths);
    case [var name] when FuzzTargets.Find(name) is { } target:
        ScratchCoverageMap.EnsureAttached();
        FuzzTargets.Warm();
        // afl's inputs are at most 1 MiB (its default max file size); the whole input is read before the target sees it,
        // so the fork server's stdin is consumed to its end on every run.
        Fuzzer.Run(stream =>
        {
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            target.Run(buffer.ToArray());
        });
        return 0;
    default:
        Console.Error.WriteLine(Usage);
        Console.Error.WriteLine($"targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
        return 2;
}
