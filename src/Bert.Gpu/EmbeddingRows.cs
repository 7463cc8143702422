using Bert.Gpu.Backends.Host;

namespace Bert.Gpu;

/// <summary>
/// Host arithmetic on pooled embedding rows, for callers that post-process rows per request (a server's
/// <c>normalize</c> and <c>dimensions</c>): the same operations, in the same order, as the host backend's
/// <see cref="Backends.IComputeBackend.L2Normalize"/>, so a row normalized here has the very bits the host backend gives.
/// </summary>
public static class EmbeddingRows
{
    /// <summary>Scales <paramref name="row"/> to unit L2 norm in place; an all-zero row stays zero.</summary>
    public static void Normalize(Span<float> row)
    {
        var norm = MathF.Sqrt(HostPooling.Dot(row, row));
        if (norm > 0)
        {
            var inv = 1f / norm;
            for (var i = 0; i < row.Length; i++)
                row[i] *= inv;
        }
    }

    /// <summary>The cosine similarity of two rows of the same length; 0 when either is all zeros.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"Rows of {a.Length} and {b.Length} values have no cosine; both need the same length.", nameof(b));
        var norms = MathF.Sqrt(HostPooling.Dot(a, a)) * MathF.Sqrt(HostPooling.Dot(b, b));
        return norms > 0 ? HostPooling.Dot(a, b) / norms : 0f;
    }
}
