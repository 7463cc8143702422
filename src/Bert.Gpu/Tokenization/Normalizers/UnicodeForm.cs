namespace Bert.Gpu.Tokenization.Normalizers;

/// <summary>One of the four Unicode normalization forms.</summary>
internal enum UnicodeForm
{
    /// <summary>Canonical decomposition.</summary>
    Nfd,

    /// <summary>Compatibility decomposition.</summary>
    Nfkd,

    /// <summary>Canonical decomposition, then canonical composition.</summary>
    Nfc,

    /// <summary>Compatibility decomposition, then canonical composition.</summary>
    Nfkc,
}
