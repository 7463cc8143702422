using System.IO.MemoryMappedFiles;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights;

/// <summary>
/// A read-only memory map of a whole file, so multi-hundred-megabyte weight files are paged in on demand
/// instead of being copied into a managed buffer before conversion.
/// </summary>
internal sealed unsafe class MappedFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _pointer;

    private MappedFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        Length = length;
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        // The view starts at the allocation-granularity boundary below offset 0; PointerOffset skips to byte 0 of the file.
        _pointer = pointer + _view.PointerOffset;
    }

    /// <summary>The mapped file.</summary>
    public string Path { get; }

    /// <summary>Size of the file in bytes.</summary>
    public long Length { get; }

    /// <summary>Maps <paramref name="path"/>; a missing or empty file is a <see cref="ModelFormatException"/>.</summary>
    public static MappedFile Open(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException(path, "file not found.");
        // The length comes from the open stream: FileInfo.Length would be the size of a symbolic link itself.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        MemoryMappedFile? map = null;
        try
        {
            var length = stream.Length;
            if (length == 0)
                throw new ModelFormatException(path, "the file is empty; download it again.");
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new MappedFile(path, map, view, length);
        }
        catch
        {
            if (map is null)
                stream.Dispose();
            else
                map.Dispose();
            throw;
        }
    }

    /// <summary><paramref name="length"/> bytes starting at <paramref name="offset"/>; the caller has checked the range.</summary>
    public ReadOnlySpan<byte> Slice(long offset, int length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + length} lie outside the {Length}-byte file.");
        return new ReadOnlySpan<byte>(_pointer + offset, length);
    }

    /// <summary>The whole file as one span, for formats (protobuf) that cannot exceed 2 GiB anyway.</summary>
    public ReadOnlySpan<byte> All()
    {
        if (Length > int.MaxValue)
            throw new ModelFormatException(Path, $"the file is {Length} bytes; files over 2 GiB are not supported in this format.");
        return Slice(0, (int)Length);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
