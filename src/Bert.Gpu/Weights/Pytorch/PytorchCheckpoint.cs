using System.IO.Compression;
using System.Text;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights.Pytorch;

/// <summary>
/// A <c>pytorch_model.bin</c> as <c>torch.save</c> writes it since PyTorch 1.6: a zip archive holding
/// <c>PREFIX/data.pkl</c>, the pickled state dict (read by <see cref="StateDictUnpickler"/>, which executes nothing), and
/// one <c>PREFIX/data/KEY</c> entry of raw little-endian elements per storage. Every storage's entry and every tensor's
/// extent in its storage are checked when the file is opened; data is read and widened only when a tensor is asked for.
/// </summary>
internal sealed class PytorchCheckpoint : IDisposable
{
    // The pickle of BERT-large's state dict is about 40 KB; the bound only keeps a corrupt size from allocating gigabytes.
    private const long MaxPickleBytes = 100_000_000;

    // torch.save's legacy format begins with its magic number pickled as a protocol-2 LONG1.
    private static readonly byte[] LegacyMagic = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
    private static readonly byte[] ZipMagic = [(byte)'P', (byte)'K', 3, 4];

    private readonly ZipArchive _zip;
    private readonly long _fileLength;
    private readonly Dictionary<string, ZipArchiveEntry> _storages;

    private PytorchCheckpoint(string path, ZipArchive zip, long fileLength, Dictionary<string, ZipArchiveEntry> storages, List<(string Name, TorchTensor Tensor)> entries)
    {
        Path = path;
        _zip = zip;
        _fileLength = fileLength;
        _storages = storages;
        Entries = entries;
    }

    /// <summary>Path of the file, for messages.</summary>
    public string Path { get; }

    /// <summary>The state dict's tensors in its order, by the names stored (prefix included).</summary>
    public IReadOnlyList<(string Name, TorchTensor Tensor)> Entries { get; }

    /// <summary>Opens <paramref name="path"/>, reads its state dict and checks every tensor against its storage.</summary>
    /// <exception cref="ModelFormatException">
    /// Not a zip-format torch checkpoint (the legacy format included), a pickle that is not a plain state dict, or
    /// storages and tensors that do not fit each other.
    /// </exception>
    public static PytorchCheckpoint Open(string path)
    {
        if (!File.Exists(path))
            throw new ModelFormatException(path, "file not found.");
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        ZipArchive? zip = null;
        try
        {
            CheckSignature(path, stream);
            zip = Zip(path, () => new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false), "the zip archive");
            var fileLength = stream.Length;
            var pickle = FindPickle(path, zip);
            var prefix = pickle.FullName[..^"data.pkl".Length];
            CheckByteOrder(path, zip, prefix, fileLength);
            var entries = StateDictUnpickler.Read(path, pickle.FullName, ReadAll(path, pickle, fileLength, MaxPickleBytes));
            var storages = FindStorages(path, zip, prefix, entries);
            foreach (var (name, tensor) in entries)
                CheckExtent(path, name, tensor);
            return new PytorchCheckpoint(path, zip, fileLength, storages, entries);
        }
        catch
        {
            if (zip is null)
                stream.Dispose();
            else
                zip.Dispose();
            throw;
        }
    }

    /// <summary>Reads the tensor <paramref name="name"/> as fp32, materializing its view and widening F16 and BF16.</summary>
    /// <exception cref="ModelFormatException">The dtype is not F32, F16 or BF16, or the storage's data cannot be read.</exception>
    public FloatTensor ReadFloat(string name, TorchTensor tensor)
    {
        var dtype = tensor.Storage.Dtype;
        if (!dtype.IsFloat)
            throw new ModelFormatException(Path, $"tensor '{name}' has dtype {dtype.Name}; only F32, F16 and BF16 weights can be loaded. Convert the checkpoint to one of those.");
        var count = tensor.ElementCount;
        var span = count == 0 ? 0 : (long)(tensor.LastElement - tensor.Offset + 1);
        if (span * dtype.Size > int.MaxValue)
            throw new ModelFormatException(Path, $"tensor '{name}' spans {span * dtype.Size} bytes of its storage; tensors over 2 GiB are not supported.");
        var bytes = ReadRange(Path, _storages[tensor.Storage.Key], _fileLength, tensor.Offset * dtype.Size, (int)(span * dtype.Size));
        var values = dtype.Name switch
        {
            "F32" => FloatConversion.FromFloat32(bytes),
            "F16" => FloatConversion.FromFloat16(bytes),
            _ => FloatConversion.FromBFloat16(bytes),
        };
        return new FloatTensor(tensor.IsRowMajor ? values : tensor.Gather(values), tensor.Shape);
    }

    /// <inheritdoc />
    public void Dispose() => _zip.Dispose();

    private static void CheckSignature(string path, FileStream stream)
    {
        var head = new byte[LegacyMagic.Length];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        if (read == 0)
            throw new ModelFormatException(path, "the file is empty; download it again.");
        if (head.AsSpan().SequenceEqual(LegacyMagic))
            throw new ModelFormatException(path,
                "this is PyTorch's legacy checkpoint format (torch.save before 1.6, or _use_new_zipfile_serialization=False), which is not read. " +
                "Re-save it in the zip format with PyTorch 1.6 or later — torch.save(torch.load(path, map_location='cpu'), path) — " +
                "or as safetensors; torch.load runs the file's pickle, so do that only for a file you trust.");
        if (!head.AsSpan(0, read).StartsWith(ZipMagic))
            throw new ModelFormatException(path, "this is not a PyTorch checkpoint: torch.save writes a zip archive, and the file does not start with one.");
    }

    private static ZipArchiveEntry FindPickle(string path, ZipArchive zip)
    {
        // torch.save names the archive's one folder after the file (or 'archive' when writing to a stream).
        var pickles = Zip(path, () => zip.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList(), "the zip archive");
        return pickles.Count switch
        {
            1 => pickles[0],
            0 => throw new ModelFormatException(path, "the zip archive holds no PREFIX/data.pkl, so it is not a checkpoint written by torch.save."),
            _ => throw new ModelFormatException(path, $"the zip archive holds {pickles.Count} data.pkl records ({string.Join(", ", pickles.Select(p => p.FullName))}); torch.save writes one."),
        };
    }

    // PyTorch 1.10 and later record the byte order of the storages; older files are little-endian.
    private static void CheckByteOrder(string path, ZipArchive zip, string prefix, long fileLength)
    {
        if (zip.GetEntry(prefix + "byteorder") is not { } entry)
            return;
        var order = Encoding.ASCII.GetString(ReadAll(path, entry, fileLength, 16));
        if (order != "little")
            throw new ModelFormatException(path, $"the storages are stored '{order}'-endian; only little-endian checkpoints are read. Re-save it on a little-endian machine.");
    }

    private static Dictionary<string, ZipArchiveEntry> FindStorages(string path, ZipArchive zip, string prefix, List<(string Name, TorchTensor Tensor)> entries)
    {
        var storages = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var (name, tensor) in entries)
        {
            var storage = tensor.Storage;
            if (storages.ContainsKey(storage.Key))
                continue;
            var entryName = prefix + "data/" + storage.Key;
            var entry = zip.GetEntry(entryName)
                ?? throw new ModelFormatException(path, $"tensor '{name}' views storage '{storage.Key}', but the archive has no {entryName}; the file is truncated or corrupt. Download it again.");
            if (entry.Length < storage.ByteCount)
                throw new ModelFormatException(path,
                    $"{entryName} (the storage of tensor '{name}') holds {entry.Length} bytes but its {storage.ElementCount} {storage.Dtype.Name} elements need {storage.ByteCount}; the file is truncated or corrupt. Download it again.");
            storages[storage.Key] = entry;
        }
        return storages;
    }

    private static void CheckExtent(string path, string name, TorchTensor tensor)
    {
        var storage = tensor.Storage;
        var where = $"tensor '{name}' (shape {tensor.ShapeText}, strides {tensor.StrideText}, offset {tensor.Offset})";
        // A view that shows more elements than its storage holds repeats some (expand() gives stride 0); reading it
        // would allocate more than the file can justify, so it is refused rather than materialized.
        if (tensor.ElementCount > storage.ElementCount)
            throw new ModelFormatException(path,
                $"{where} shows {tensor.ElementCount} elements of a storage of {storage.ElementCount}, a broadcast view; save it as tensor.contiguous() (or clone()).");
        if (tensor.ElementCount == 0 ? tensor.Offset > storage.ElementCount : tensor.LastElement >= storage.ElementCount)
            throw new ModelFormatException(path,
                $"{where} reaches past the end of its storage '{storage.Key}' of {storage.ElementCount} elements; the file is corrupt. Download it again.");
    }

    private static byte[] ReadAll(string path, ZipArchiveEntry entry, long fileLength, long limit)
    {
        if (entry.Length > limit)
            throw new ModelFormatException(path, $"{entry.FullName} holds {entry.Length} bytes, more than the {limit} a torch checkpoint's record can need; the file is corrupt.");
        return ReadRange(path, entry, fileLength, 0, (int)entry.Length);
    }

    // Bytes [start, start + count) of an entry. The sizes in a zip's directory are only claims: the first buffer is at
    // most the entry's compressed size (itself capped by the file's), which is exact for the uncompressed entries torch
    // writes; a compressed entry's buffer grows only as its bytes actually arrive.
    private static byte[] ReadRange(string path, ZipArchiveEntry entry, long fileLength, long start, int count) => Zip(path, () =>
    {
        using var stream = entry.Open();
        Skip(stream, start);
        var buffer = new byte[(int)Math.Min(count, Math.Max(Math.Min(entry.CompressedLength, fileLength), 1 << 20))];
        var filled = 0;
        while (filled < count)
        {
            if (filled == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(count, 2L * buffer.Length));
            var read = stream.Read(buffer, filled, buffer.Length - filled);
            if (read == 0)
                throw new ModelFormatException(path, $"{entry.FullName} ends after {start + filled} bytes, short of the {start + count} its tensors need; the file is truncated. Download it again.");
            filled += read;
        }
        return buffer;
    }, entry.FullName);

    private static void Skip(Stream stream, long count)
    {
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Begin);
            return;
        }
        var scratch = new byte[(int)Math.Min(count, 1 << 16)];
        while (count > 0)
        {
            var read = stream.Read(scratch, 0, (int)Math.Min(count, scratch.Length));
            if (read == 0)
                return; // the read that follows reports the truncation
            count -= read;
        }
    }

    // System.IO.Compression reports a damaged archive or entry with these; they become the reader's documented error.
    private static T Zip<T>(string path, Func<T> read, string what)
    {
        try
        {
            return read();
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(path, $"{what} is corrupt ({e.Message}); download the file again.", e);
        }
        catch (NotSupportedException e)
        {
            throw new ModelFormatException(path, $"{what} cannot be read ({e.Message}); torch.save writes uncompressed zip entries, so re-save the checkpoint with torch.save.", e);
        }
    }
}
