namespace Bert.Gpu.Bench;

/// <summary>
/// Real texts of real, varied lengths: the entries of the fortune databases (Debian package <c>fortunes</c>), one entry
/// (lines joined by spaces) per text, files in name order, deterministic.
/// </summary>
internal static class FortuneCorpus
{
    public static IReadOnlyList<string> Read(string folder, int count)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: no fortunes here; install them with 'apt-get install fortunes'.");
        var texts = new List<string>();
        foreach (var file in Directory.GetFiles(folder).Where(f => Path.GetExtension(f) == "").Order(StringComparer.Ordinal))
        {
            var entry = new List<string>();
            foreach (var line in File.ReadLines(file))
            {
                if (line != "%")
                {
                    entry.Add(line.Trim());
                    continue;
                }
                if (entry.Count > 0)
                    texts.Add(string.Join(' ', entry));
                entry.Clear();
                if (texts.Count == count)
                    return texts;
            }
        }
        return texts;
    }
}
