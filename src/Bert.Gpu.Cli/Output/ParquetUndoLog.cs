using System.Buffers.Binary;

namespace Bert.Gpu.Cli.Output;

/// <summary>
/// What it takes to undo one append to a Parquet file: appending overwrites the footer (the file's index, at its end)
/// with the new row group, so a process killed mid-append would leave no readable file. Before each append the old
/// footer is saved here; once the append is done this file is deleted. Its layout: the file's length before the
/// append (int64), the footer's length (int64), the footer — complete only if all of it is there.
/// </summary>
internal static class ParquetUndoLog
{
    private const int PrefixBytes = 16;

    /// <summary>Saves the footer of <paramref name="file"/>, whose last <paramref name="footerBytes"/> bytes it is.</summary>
    public static void Save(string path, Stream file, long footerBytes)
    {
        var log = new byte[PrefixBytes + footerBytes];
        BinaryPrimitives.WriteInt64LittleEndian(log, file.Length);
        BinaryPrimitives.WriteInt64LittleEndian(log.AsSpan(8), footerBytes);
        file.Position = file.Length - footerBytes;
        file.ReadExactly(log.AsSpan(PrefixBytes));
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        stream.Write(log);
    }

    /// <summary>
    /// Puts <paramref name="file"/> back as it was before an append that did not finish, if a complete log says so;
    /// a log cut short was being written when the process stopped, before the file was touched, and is dropped.
    /// Returns false if the file is too short for the log to apply to.
    /// </summary>
    public static bool Undo(string path, Stream file)
    {
        if (!File.Exists(path))
            return true;
        var log = File.ReadAllBytes(path);
        if (log.Length >= PrefixBytes && log.Length == PrefixBytes + BinaryPrimitives.ReadInt64LittleEndian(log.AsSpan(8)))
        {
            var length = BinaryPrimitives.ReadInt64LittleEndian(log);
            var footer = log.AsSpan(PrefixBytes);
            if (file.Length < length - footer.Length)
                return false;
            file.SetLength(length - footer.Length);
            file.Position = file.Length;
            file.Write(footer);
            file.Flush();
        }
        File.Delete(path);
        return true;
    }
}
