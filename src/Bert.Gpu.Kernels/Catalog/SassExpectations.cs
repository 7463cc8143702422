namespace Bert.Gpu.Kernels.Catalog;

/// <summary>
/// What a kernel's machine code (SASS, as ptxas assembles its PTX for sm_80 and sm_90) must and must not contain. Every
/// count is checked both ways: an instruction that is not expected must be absent, so a kernel that starts using one
/// has to say so here.
/// </summary>
public sealed record SassExpectations
{
    /// <summary>A plain CUDA-core kernel: no tensor cores, no ldmatrix, no cp.async, no dp4a, no stack frame.</summary>
    public static SassExpectations Scalar { get; } = new();

    /// <summary>The tensor-core instruction that must appear (HMMA for fp16, IMMA for int8); <see cref="TensorCoreInstruction.None"/>: neither may.</summary>
    public TensorCoreInstruction TensorCore { get; init; }

    /// <summary>Whether <c>LDSM</c> (<c>ldmatrix</c>) must appear; when false it must not.</summary>
    public bool Ldmatrix { get; init; }

    /// <summary>Whether <c>LDGSTS</c> (<c>cp.async</c>) must appear; when false it must not.</summary>
    public bool CpAsync { get; init; }

    /// <summary>
    /// <c>IDP.4A</c> per k-step: the SASS holds a whole number of these (ptxas unrolls the loop but never splits a
    /// step), with no local-memory access between the first and the last; 0: no IDP.4A, and no local memory at all.
    /// </summary>
    public int Dp4aPerStep { get; init; }

    /// <summary>
    /// The stack frame ptxas reports, in bytes: 0 except where an inline-asm <c>out</c> operand is passed by address
    /// (the int8 dp4a GEMM reads its 16 accumulators out once, after the loop). Tensor-core kernels allow none.
    /// </summary>
    public int StackBytes { get; init; }

    /// <summary>One line for listings, e.g. <c>tensor-core HMMA, LDSM, LDGSTS, stack 0 B</c>.</summary>
    public override string ToString()
    {
        var parts = new List<string> { TensorCore == TensorCoreInstruction.None ? "no tensor cores" : $"tensor-core {TensorCore.ToString().ToUpperInvariant()}" };
        if (Ldmatrix)
            parts.Add("LDSM");
        if (CpAsync)
            parts.Add("LDGSTS");
        if (Dp4aPerStep > 0)
            parts.Add($"{Dp4aPerStep} IDP.4A per k-step");
        parts.Add($"stack {StackBytes} B");
        return string.Join(", ", parts);
    }
}
