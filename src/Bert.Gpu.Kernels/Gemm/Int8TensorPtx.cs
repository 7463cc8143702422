namespace Bert.Gpu.Kernels.Gemm;

/// <summary>
/// The inline PTX of <see cref="Int8TensorLinearKernel"/>'s CUDA path: <see cref="HalfLinearPtx"/>'s staging, copies and
/// <c>ldmatrix</c> (the int8 fragments of <c>mma.m16n8k32</c> are the same 8×8 b16 matrices, four bytes a register), with
/// int32 accumulators <c>iacc{4(4·mi + ni) + c}</c> numbered as <c>hacc</c> there.
/// </summary>
internal static class Int8TensorPtx
{
    /// <summary>Declares the named registers, takes the shared base address and zeroes the 32 accumulators.</summary>
    internal const string Declare =
        ".reg .s32 iacc<32>;\n\t" + HalfLinearPtx.DeclareFragments
        + "mov.b32 iacc0, 0; mov.b32 iacc1, 0; mov.b32 iacc2, 0; mov.b32 iacc3, 0; mov.b32 iacc4, 0; mov.b32 iacc5, 0; mov.b32 iacc6, 0; mov.b32 iacc7, 0;\n\t"
        + "mov.b32 iacc8, 0; mov.b32 iacc9, 0; mov.b32 iacc10, 0; mov.b32 iacc11, 0; mov.b32 iacc12, 0; mov.b32 iacc13, 0; mov.b32 iacc14, 0; mov.b32 iacc15, 0;\n\t"
        + "mov.b32 iacc16, 0; mov.b32 iacc17, 0; mov.b32 iacc18, 0; mov.b32 iacc19, 0; mov.b32 iacc20, 0; mov.b32 iacc21, 0; mov.b32 iacc22, 0; mov.b32 iacc23, 0;\n\t"
        + "mov.b32 iacc24, 0; mov.b32 iacc25, 0; mov.b32 iacc26, 0; mov.b32 iacc27, 0; mov.b32 iacc28, 0; mov.b32 iacc29, 0; mov.b32 iacc30, 0; mov.b32 iacc31, 0;";
    /// <summary>One 32-byte (32 int8) K slice of the warp tile: <see cref="HalfLinearPtx.Ldmatrix"/>, then the 2×4 <c>mma</c>s.</summary>
    internal const string MmaStep =
        HalfLinearPtx.Ldmatrix + "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {iacc0, iacc1, iacc2, iacc3}, {hfa0, hfa1, hfa2, hfa3}, {hfb0, hfb1}, {iacc0, iacc1, iacc2, iacc3};\n\t"
        + "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {iacc4, iacc5, iacc6, iacc7}, {hfa0, hfa1, hfa2, hfa3}, {hfb2, hfb3}, {iacc4, iacc5, iacc6, iacc7};\n\t"
        + "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {iacc8, iacc9, iacc10, iacc11}, {hfa0, hfa1, hfa2, hfa3}, {hfb4, hfb5}, {iacc8, iacc9, iacc10, iacc11};\n\t"
        + "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {iacc12, iacc13, iacc14, iacc15}, {hfa0, hfa1, hfa2, hfa3}, {hfb6, hfb7}, {iacc12, iacc13, iacc14, iacc15};\n\t"
        + "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {iacc16, iacc17, iacc18, iacc19}, {hfa4, hfa5, hfa6, hfa7}, {hfb0, hfb1}, {iacc16, iacc17, iacc18, iacc19};\n\t"
        + "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {iacc20, iacc21, iacc22, iacc23}, {hfa4, hfa5, hfa6, hfa7}, {hfb2, hfb3}, {iacc20, iacc21, iacc22, iacc23};\n\t"
        + "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {iacc24, iacc25, iacc26, iacc27}, {hfa4, hfa5, hfa6, hfa7}, {hfb4, hfb5}, {iacc24, iacc25, iacc26, iacc27};\n\t"
        + "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {iacc28, iacc29, iacc30, iacc31}, {hfa4, hfa5, hfa6, hfa7}, {hfb6, hfb7}, {iacc28, iacc29, iacc30, iacc31};";
    /// <summary>Stores the accumulators into the warp's staging, at <see cref="HalfLinearPtx.Dump"/>'s offsets.</summary>
    internal const string Dump =
        "add.u32 hpa, hsmem, %0;\n\t"
        + "st.shared.v2.s32 [hpa+0], {iacc0, iacc1}; st.shared.v2.s32 [hpa+1280], {iacc2, iacc3};\n\t"
        + "st.shared.v2.s32 [hpa+32], {iacc4, iacc5}; st.shared.v2.s32 [hpa+1312], {iacc6, iacc7};\n\t"
        + "st.shared.v2.s32 [hpa+64], {iacc8, iacc9}; st.shared.v2.s32 [hpa+1344], {iacc10, iacc11};\n\t"
        + "st.shared.v2.s32 [hpa+96], {iacc12, iacc13}; st.shared.v2.s32 [hpa+1376], {iacc14, iacc15};\n\t"
        + "st.shared.v2.s32 [hpa+2560], {iacc16, iacc17}; st.shared.v2.s32 [hpa+3840], {iacc18, iacc19};\n\t"
        + "st.shared.v2.s32 [hpa+2592], {iacc20, iacc21}; st.shared.v2.s32 [hpa+3872], {iacc22, iacc23};\n\t"
        + "st.shared.v2.s32 [hpa+2624], {iacc24, iacc25}; st.shared.v2.s32 [hpa+3904], {iacc26, iacc27};\n\t"
        + "st.shared.v2.s32 [hpa+2656], {iacc28, iacc29}; st.shared.v2.s32 [hpa+3936], {iacc30, iacc31};";
}
