namespace Bert.Gpu.Tests.Weights;

/// <summary>A fresh folder deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory() => Directory.CreateDirectory(Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bert-gpu-weights-" + Guid.NewGuid().ToString("N")));

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A mapped file may still be closing on some platforms; the OS cleans the temp folder eventually.
        }
    }
}
