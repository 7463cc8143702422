using System.Buffers.Binary;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>Handles the bytes of a manifest resource while they are mapped.</summary>
internal delegate T ResourceHandler<out T>(ReadOnlySpan<byte> bytes);

/// <summary>
/// Reads a manifest resource straight from a DLL's metadata, without loading the assembly (it targets another
/// framework and drags in dependencies): each resource in the CLI header's resources directory is a 4-byte
/// little-endian length followed by the bytes.
/// </summary>
internal static class ManifestResourceReader
{
    /// <summary>Passes the bytes of resource <paramref name="resourceName"/> in <paramref name="assemblyPath"/> to <paramref name="use"/>.</summary>
    /// <exception cref="ModelFormatException">The file is not a .NET assembly or lacks the resource.</exception>
    public static unsafe T Read<T>(string assemblyPath, string resourceName, ResourceHandler<T> use)
    {
        using var stream = File.OpenRead(assemblyPath);
        // PEReader memory-maps a FileStream, so a 90 MB resource is paged in rather than copied.
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } cor)
            throw new ModelFormatException(assemblyPath, "not a .NET assembly; the package file is damaged. Delete it and run `dotnet restore`.");
        var metadata = pe.GetMetadataReader();
        var directory = cor.ResourcesDirectory;
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, resourceName))
                continue;
            var block = pe.GetSectionData(directory.RelativeVirtualAddress);
            if (resource.Offset < 0 || resource.Offset + 4 > Math.Min(directory.Size, block.Length))
                throw new ModelFormatException(assemblyPath, $"resource '{resourceName}' lies outside the resources directory; the file is damaged.");
            var length = BinaryPrimitives.ReadInt32LittleEndian(new ReadOnlySpan<byte>(block.Pointer + resource.Offset, 4));
            if (length < 0 || resource.Offset + 4L + length > Math.Min(directory.Size, block.Length))
                throw new ModelFormatException(assemblyPath, $"resource '{resourceName}' is truncated; the file is damaged. Delete it and run `dotnet restore`.");
            return use(new ReadOnlySpan<byte>(block.Pointer + resource.Offset + 4, length));
        }
        throw new ModelFormatException(assemblyPath, $"has no embedded resource '{resourceName}'; it is not the expected package version.");
    }
}
