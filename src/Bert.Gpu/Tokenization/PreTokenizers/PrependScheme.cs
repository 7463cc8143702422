namespace Bert.Gpu.Tokenization.PreTokenizers;

/// <summary>When Metaspace puts its replacement character before a split.</summary>
internal enum PrependScheme
{
    /// <summary>Before every split that does not start with it.</summary>
    Always,

    /// <summary>Only before the split that starts the text.</summary>
    First,

    /// <summary>Never.</summary>
    Never,
}
