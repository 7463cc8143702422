using Bert.Gpu.Tests.Support;

namespace Bert.Gpu.Tests.Cli;

/// <summary><c>embed --device opencl</c> end to end, run by the OpenCL lane (elsewhere skipped: there is no device).</summary>
[Trait("Category", "OpenCL")]
[Collection(Kernels.OpenClDeviceCollection.Name)]
public sealed class CliOpenClTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bert-gpu-cli-opencl-").FullName;

    [SkippableFact]
    public void EmbedOnOpenClMatchesTheHostBackend()
    {
        DeviceRequirement.Require(TestDevice.OpenCL, DeviceRequirement.Probe(TestDevice.OpenCL));
        var input = Path.Combine(_dir, "in.txt");
        File.WriteAllLines(input, File.ReadLines(Path.Combine(RepoPaths.Root, "examples", "sentences.txt")));

        var devices = CliRunner.Run("devices");
        var opencl = CliRunner.Run("embed", "-i", input, "-o", Path.Combine(_dir, "opencl.npy"), "--device", "opencl",
            "--stats-json", Path.Combine(_dir, "stats.json"));
        var host = CliRunner.Run("embed", "-i", input, "-o", Path.Combine(_dir, "host.npy"), "--device", "cpu");

        Assert.Contains("opencl", devices.StandardOutput);
        Assert.True(opencl.ExitCode == 0, opencl.StandardError);
        Assert.True(host.ExitCode == 0, host.StandardError);
        Assert.Contains("OpenCL", File.ReadAllText(Path.Combine(_dir, "stats.json")));
        var a = NpyFile.Read(Path.Combine(_dir, "opencl.npy"));
        var b = NpyFile.Read(Path.Combine(_dir, "host.npy"));
        Assert.Equal((b.Rows, b.Columns), (a.Rows, a.Columns));
        for (var i = 0; i < a.Rows; i++)
            Assert.True(Reference.Cosine(a.Values.AsSpan(i * a.Columns, a.Columns), b.Values.AsSpan(i * b.Columns, b.Columns)) >= 0.99999, $"row {i}");
    }

    [SkippableFact]
    public void AnInt8ModelOnOpenClMatchesTheHostBackend()
    {
        DeviceRequirement.Require(TestDevice.OpenCL, DeviceRequirement.Probe(TestDevice.OpenCL));
        var qbert = Path.Combine(_dir, "m.qbert");
        var calibrated = CalibrateTests.Calibrate(qbert);
        Assert.True(calibrated.ExitCode == 0, calibrated.StandardError);
        var input = Path.Combine(RepoPaths.Root, "examples", "sentences.txt");

        var opencl = CliRunner.Run("embed", "-i", input, "-o", Path.Combine(_dir, "opencl.npy"), "--model", qbert, "--device", "opencl");
        var host = CliRunner.Run("embed", "-i", input, "-o", Path.Combine(_dir, "host.npy"), "--model", qbert, "--device", "cpu");

        Assert.True(opencl.ExitCode == 0, opencl.StandardError);
        Assert.True(host.ExitCode == 0, host.StandardError);
        var a = NpyFile.Read(Path.Combine(_dir, "opencl.npy"));
        var b = NpyFile.Read(Path.Combine(_dir, "host.npy"));
        Assert.Equal((b.Rows, b.Columns), (a.Rows, a.Columns));
        for (var i = 0; i < a.Rows; i++)
            Assert.True(Reference.Cosine(a.Values.AsSpan(i * a.Columns, a.Columns), b.Values.AsSpan(i * b.Columns, b.Columns)) >= 0.99999, $"row {i}");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
