using Bert.Gpu.Cli.Jobs;
using Bert.Gpu.Cli.Output;

namespace Bert.Gpu.Tests.CliIo;

/// <summary>Opening <see cref="OutputJob"/>s of one made-up job in tests: the identity is fixed, the input hash after chunk c is "input-c".</summary>
internal static class JobFiles
{
    public static JobIdentity Identity(int width, string pooling = "mean") =>
        new("test-model", "0123abcd", width, pooling, Normalize: true, MaxLength: 128, LongText: "truncate", Stride: null,
            InputFormat: "lines", TextField: null, TextColumn: null);

    public static OutputJob Open(string destination, int width, bool resume, string pooling = "mean") =>
        OutputJob.Open(destination, Identity(width, pooling), "input.txt", resume);

    /// <summary>The input hash a test records after chunk <paramref name="chunk"/>.</summary>
    public static string InputAfter(int chunk) => $"input-{chunk}";
}
