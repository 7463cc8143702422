namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// The inline PTX of <see cref="HalfLinearKernel"/>'s CUDA path. The fragments and accumulators are named registers
/// declared once at kernel entry (<see cref="Declare"/>) and named by the later statements, which take only byte offsets
/// and addresses as by-value inputs: an inline-asm <c>out</c> or <c>Ref</c> operand lives in <c>.local</c> memory
/// (ILGPU passes it by address), which in a GEMM of this size left hundreds of LDL/STL (../shared/ILGPU-NOTES.md).
/// Named registers are visible in the entry function only, so every statement here must inline into the kernel.
/// Numbering: <c>hacc{4(4·mi + ni) + c}</c> is element c of the C fragment of m16 tile mi (0–1) and n8 tile ni (0–3)
/// of the lane's 32×32 warp tile; <c>hfa{4·mi + r}</c> register r of A tile mi; <c>hfb{2·ni + r}</c> register r of B
/// tile ni. <c>hsmem</c> is the shared-window address of ILGPU's one static shared allocation, <c>__shared_alloca0</c>
/// (the kernel allocates exactly one, of <see cref="TensorCores.SharedChunk"/>s, so it is 16-byte aligned).
/// </summary>
internal static class HalfLinearPtx
{
    /// <summary>The fragment and address registers, and the shared base, which both tensor-core GEMMs name alike.</summary>
    internal const string DeclareFragments = ".reg .b32 hfa<8>, hfb<8>, hsmem, hpa, hpb;\n\tmov.u32 hsmem, __shared_alloca0;\n\t";

    /// <summary>Declares the named registers, takes the shared base address and zeroes the 32 accumulators.</summary>
    internal const string Declare =
        ".reg .f32 hacc<32>;\n\t" + DeclareFragments
        + "mov.f32 hacc0, 0f00000000; mov.f32 hacc1, 0f00000000; mov.f32 hacc2, 0f00000000; mov.f32 hacc3, 0f00000000;\n\t"
        + "mov.f32 hacc4, 0f00000000; mov.f32 hacc5, 0f00000000; mov.f32 hacc6, 0f00000000; mov.f32 hacc7, 0f00000000;\n\t"
        + "mov.f32 hacc8, 0f00000000; mov.f32 hacc9, 0f00000000; mov.f32 hacc10, 0f00000000; mov.f32 hacc11, 0f00000000;\n\t"
        + "mov.f32 hacc12, 0f00000000; mov.f32 hacc13, 0f00000000; mov.f32 hacc14, 0f00000000; mov.f32 hacc15, 0f00000000;\n\t"
        + "mov.f32 hacc16, 0f00000000; mov.f32 hacc17, 0f00000000; mov.f32 hacc18, 0f00000000; mov.f32 hacc19, 0f00000000;\n\t"
        + "mov.f32 hacc20, 0f00000000; mov.f32 hacc21, 0f00000000; mov.f32 hacc22, 0f00000000; mov.f32 hacc23, 0f00000000;\n\t"
        + "mov.f32 hacc24, 0f00000000; mov.f32 hacc25, 0f00000000; mov.f32 hacc26, 0f00000000; mov.f32 hacc27, 0f00000000;\n\t"
        + "mov.f32 hacc28, 0f00000000; mov.f32 hacc29, 0f00000000; mov.f32 hacc30, 0f00000000; mov.f32 hacc31, 0f00000000;";

    /// <summary>
    /// One 16-byte <c>cp.async</c> from global address <c>%1</c> (u64) to shared byte offset <c>%0</c>, of which the
    /// first <c>%2</c> bytes (16 or 0) are read and the rest zero-filled: how the tiles past M, N and K are padded with
    /// zeros without a branch. <c>.cg</c> bypasses L1 (each element is staged once per group).
    /// </summary>
    internal const string CopyChunk = "add.u32 hpa, hsmem, %0;\n\tcp.async.cg.shared.global [hpa], [%1], 16, %2;";

    /// <summary>Closes the copies issued since the last commit into one group (possibly empty).</summary>
    internal const string Commit = "cp.async.commit_group;";

    /// <summary>Waits until at most one group, the newest (the next stage in flight), is still pending.</summary>
    internal const string WaitPrevious = "cp.async.wait_group 1;";

    /// <summary>
    /// The fragments of one 32-byte K slice of the warp tile: <c>%0</c> is the shared byte offset of this lane's X row
    /// (<see cref="TensorTileCopy.LdmatrixX"/>), <c>%1</c> that of its W row (<see cref="TensorTileCopy.LdmatrixW"/>); the
    /// second m16 tile and the second pair of n8 tiles lie 16 rows (1,280 bytes) further.
    /// </summary>
    internal const string Ldmatrix =
        "add.u32 hpa, hsmem, %0; add.u32 hpb, hsmem, %1;\n\t"
        + "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {hfa0, hfa1, hfa2, hfa3}, [hpa];\n\t"
        + "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {hfa4, hfa5, hfa6, hfa7}, [hpa+1280];\n\t"
        + "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {hfb0, hfb1, hfb2, hfb3}, [hpb];\n\t"
        + "ldmatrix.sync.aligned.m8n8.x4.shared.b16 {hfb4, hfb5, hfb6, hfb7}, [hpb+1280];\n\t";

    /// <summary>
    /// One k16 step of the warp tile: <c>%0</c> is the shared byte offset of this lane's <c>ldmatrix</c> row of X (row
    /// lane % 16 of the warp's first m16 tile, halves 8·(lane / 16) on), <c>%1</c> that of W (row 8·(lane / 16) + lane % 8
    /// of the warp's first n16 pair, halves 8·((lane / 8) % 2) on). Each <c>.x4</c> loads four 8×8 matrices whose
    /// registers are exactly an A fragment (rows 0–7/8–15 × k 0–7/8–15) or the B fragments of two n8 tiles; the second
    /// m16 tile and the second n16 pair lie 16 rows (1,280 bytes) further. Then the 2×4 <c>mma</c>s.
    /// </summary>
    internal const string MmaStep =
        Ldmatrix + "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {hacc0, hacc1, hacc2, hacc3}, {hfa0, hfa1, hfa2, hfa3}, {hfb0, hfb1}, {hacc0, hacc1, hacc2, hacc3};\n\t"
        + "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {hacc4, hacc5, hacc6, hacc7}, {hfa0, hfa1, hfa2, hfa3}, {hfb2, hfb3}, {hacc4, hacc5, hacc6, hacc7};\n\t"
        + "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {hacc8, hacc9, hacc10, hacc11}, {hfa0, hfa1, hfa2, hfa3}, {hfb4, hfb5}, {hacc8, hacc9, hacc10, hacc11};\n\t"
        + "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {hacc12, hacc13, hacc14, hacc15}, {hfa0, hfa1, hfa2, hfa3}, {hfb6, hfb7}, {hacc12, hacc13, hacc14, hacc15};\n\t"
        + "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {hacc16, hacc17, hacc18, hacc19}, {hfa4, hfa5, hfa6, hfa7}, {hfb0, hfb1}, {hacc16, hacc17, hacc18, hacc19};\n\t"
        + "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {hacc20, hacc21, hacc22, hacc23}, {hfa4, hfa5, hfa6, hfa7}, {hfb2, hfb3}, {hacc20, hacc21, hacc22, hacc23};\n\t"
        + "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {hacc24, hacc25, hacc26, hacc27}, {hfa4, hfa5, hfa6, hfa7}, {hfb4, hfb5}, {hacc24, hacc25, hacc26, hacc27};\n\t"
        + "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {hacc28, hacc29, hacc30, hacc31}, {hfa4, hfa5, hfa6, hfa7}, {hfb6, hfb7}, {hacc28, hacc29, hacc30, hacc31};";

    /// <summary>
    /// Stores the 32 accumulators into the warp's fp32 staging area for the epilogue: <c>%0</c> is the shared byte offset
    /// of this lane's element (row g, column 2t) of the first C fragment; row g + 8 is 1,280 bytes on (8 rows of
    /// <see cref="TensorCoreTiling.StagingStride"/> floats), the next n8 tile 32 bytes, the next m16 tile 2,560.
    /// </summary>
    internal const string Dump =
        "add.u32 hpa, hsmem, %0;\n\t"
        + "st.shared.v2.f32 [hpa+0], {hacc0, hacc1}; st.shared.v2.f32 [hpa+1280], {hacc2, hacc3};\n\t"
        + "st.shared.v2.f32 [hpa+32], {hacc4, hacc5}; st.shared.v2.f32 [hpa+1312], {hacc6, hacc7};\n\t"
        + "st.shared.v2.f32 [hpa+64], {hacc8, hacc9}; st.shared.v2.f32 [hpa+1344], {hacc10, hacc11};\n\t"
        + "st.shared.v2.f32 [hpa+96], {hacc12, hacc13}; st.shared.v2.f32 [hpa+1376], {hacc14, hacc15};\n\t"
        + "st.shared.v2.f32 [hpa+2560], {hacc16, hacc17}; st.shared.v2.f32 [hpa+3840], {hacc18, hacc19};\n\t"
        + "st.shared.v2.f32 [hpa+2592], {hacc20, hacc21}; st.shared.v2.f32 [hpa+3872], {hacc22, hacc23};\n\t"
        + "st.shared.v2.f32 [hpa+2624], {hacc24, hacc25}; st.shared.v2.f32 [hpa+3904], {hacc26, hacc27};\n\t"
        + "st.shared.v2.f32 [hpa+2656], {hacc28, hacc29}; st.shared.v2.f32 [hpa+3936], {hacc30, hacc31};";
}
