namespace Bert.Gpu.Tokenization.Pipeline;

/// <summary>How large a per-thread scratch buffer may stay between calls.</summary>
/// <remarks>
/// Components keep their buffers per thread so steady-state encoding allocates nothing; a buffer that one huge text
/// grew past this many elements is dropped after the call instead, so a single 10 MB input does not pin hundreds of
/// megabytes on every thread that ever saw one.
/// </remarks>
internal static class ScratchLimit
{
    /// <summary>The most elements a kept buffer may hold.</summary>
    public const int Elements = 1 << 16;
}
