using Bert.Gpu.Tests.Support;
namespace Bert.Gpu.Tests.Weights;

/// <summary>
/// A one-layer BERT-shaped ONNX graph (hidden 4, 2 heads, intermediate 8) whose weights the test knows. It stores
/// its Linear weights the three ways exporters do: anonymous <c>[in, out]</c> MatMul initializers named by the
/// following bias Add (query, attention output, intermediate, output), a named <c>[out, in]</c> weight behind a
/// Transpose (key), and a Constant node (value). ONNX Runtime runs it, so the bytes are proven valid ONNX.
/// </summary>
internal sealed class TinyBertOnnx
{
    public const int Hidden = 4, Intermediate = 8, Vocab = 10, Positions = 6, Types = 2;
    public const float Epsilon = 1e-6f;
    private const string L = "encoder.layer.0.";

    public TinyBertOnnx(bool headsFromScale = false)
    {
        var random = new Random(7);
        // Multiples of 1/16 in [-2, 2] are exact in fp16, so widened values can be compared exactly.
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => random.Next(-32, 33) / 16f).ToArray();
        QueryInOut = Values(Hidden * Hidden);
        KeyOutIn = Values(Hidden * Hidden);
        ValueInOut = Values(Hidden * Hidden);
        IntermediateInOut = Values(Hidden * Intermediate);
        WordEmbeddings = Values(Vocab * Hidden);
        TokenTypeEmbeddings = Values(Types * Hidden);
        Biases = new[] { "attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "output.dense" }
            .ToDictionary(p => L + p + ".bias", _ => Values(Hidden));
        Biases[L + "intermediate.dense.bias"] = Values(Intermediate);

        var b = new OnnxBuilder()
            .Input("x", 1, 3, Hidden)
            .Halves("bert.embeddings.word_embeddings.weight", WordEmbeddings, Vocab, Hidden)
            .Floats("bert.embeddings.position_embeddings.weight", Values(Positions * Hidden), Positions, Hidden)
            .FloatsInFloatData("embeddings.token_type_embeddings.weight", TokenTypeEmbeddings, Types, Hidden)
            .Floats("embeddings.LayerNorm.weight", Values(Hidden), Hidden)
            .Floats("embeddings.LayerNorm.bias", Values(Hidden), Hidden)
            .Longs("embeddings.position_ids", [0, 1, 2, 3, 4, 5], 1, Positions);
        foreach (var (name, values) in Biases)
            b.Floats("bert." + name, values, values.Length);
        foreach (var ln in new[] { "attention.output.LayerNorm", "output.LayerNorm" })
            b.Floats(L + ln + ".weight", Values(Hidden), Hidden).Floats(L + ln + ".bias", Values(Hidden), Hidden);

        b.Floats("onnx::MatMul_1", QueryInOut, Hidden, Hidden)
            .Node("MatMul", ["x", "onnx::MatMul_1"], ["q_mm"])
            .Node("Add", ["bert." + L + "attention.self.query.bias", "q_mm"], ["q"]);
        b.Floats(L + "attention.self.key.weight", KeyOutIn, Hidden, Hidden)
            .Node("Transpose", [L + "attention.self.key.weight"], ["k_t"], OnnxBuilder.IntsAttribute("perm", 1, 0))
            .Node("MatMul", ["x", "k_t"], ["k_mm"])
            .Node("Add", ["k_mm", "bert." + L + "attention.self.key.bias"], ["k"]);
        b.Constant("onnx::MatMul_2", ValueInOut, Hidden, Hidden)
            .Node("MatMul", ["x", "onnx::MatMul_2"], ["v_mm"])
            .Node("Add", ["bert." + L + "attention.self.value.bias", "v_mm"], ["v"]);
        if (headsFromScale)
        {
            // No Reshape: only the 1/sqrt(head_dim) scaling of Q·Kᵀ tells the head count.
            b.Node("Transpose", ["k"], ["k_tt"], OnnxBuilder.IntsAttribute("perm", 0, 2, 1))
                .Node("MatMul", ["q", "k_tt"], ["scores"])
                .Constant("scale", [MathF.Sqrt(Hidden / 2)])
                .Node("Div", ["scores", "scale"], ["scaled"])
                .Output("scaled");
        }
        else
        {
            b.Longs("heads_shape", [0, 0, 2, Hidden / 2], 4)
                .Node("Reshape", ["v", "heads_shape"], ["v_heads"])
                .Output("v_heads");
        }
        b.Floats("onnx::MatMul_3", Values(Hidden * Hidden), Hidden, Hidden)
            .Node("MatMul", ["v", "onnx::MatMul_3"], ["ao_mm"])
            .Node("Add", ["bert." + L + "attention.output.dense.bias", "ao_mm"], ["ao"])
            .Node("LayerNormalization", ["ao", L + "attention.output.LayerNorm.weight", L + "attention.output.LayerNorm.bias"], ["ln1"],
                OnnxBuilder.FloatAttribute("epsilon", Epsilon), OnnxBuilder.IntAttribute("axis", -1))
            .Floats("onnx::MatMul_4", IntermediateInOut, Hidden, Intermediate)
            .Node("MatMul", ["ln1", "onnx::MatMul_4"], ["i_mm"])
            .Node("Add", ["bert." + L + "intermediate.dense.bias", "i_mm"], ["inter"])
            .Node("Erf", ["inter"], ["act"])
            .Floats("onnx::MatMul_5", Values(Intermediate * Hidden), Intermediate, Hidden)
            .Node("MatMul", ["act", "onnx::MatMul_5"], ["o_mm"])
            .Node("Add", ["bert." + L + "output.dense.bias", "o_mm"], ["o"])
            .Node("LayerNormalization", ["o", L + "output.LayerNorm.weight", L + "output.LayerNorm.bias"], ["y"],
                OnnxBuilder.FloatAttribute("epsilon", Epsilon), OnnxBuilder.IntAttribute("axis", -1))
            .Output("q").Output("k").Output("v").Output("inter").Output("y");
        Bytes = b.Build();
    }

    public byte[] Bytes { get; }

    /// <summary>Query weight as the MatMul initializer stores it, <c>[in, out]</c>.</summary>
    public float[] QueryInOut { get; }

    /// <summary>Key weight as stored, already <c>[out, in]</c> (the graph transposes it).</summary>
    public float[] KeyOutIn { get; }

    /// <summary>Value weight as the Constant node stores it, <c>[in, out]</c>.</summary>
    public float[] ValueInOut { get; }

    /// <summary>Intermediate weight as stored, <c>[in = 4, out = 8]</c>.</summary>
    public float[] IntermediateInOut { get; }

    /// <summary>Stored as FLOAT16.</summary>
    public float[] WordEmbeddings { get; }

    /// <summary>Stored in float_data rather than raw_data.</summary>
    public float[] TokenTypeEmbeddings { get; }

    /// <summary>Biases by canonical name.</summary>
    public Dictionary<string, float[]> Biases { get; }

    /// <summary>Writes the model and a 10-token vocab.txt into a new folder and returns the .onnx path.</summary>
    public string WriteTo(TempDirectory dir)
    {
        File.WriteAllLines(Path.Combine(dir.Path, "vocab.txt"), TinyVocab.Tokens(Vocab));
        var path = Path.Combine(dir.Path, "tiny.onnx");
        File.WriteAllBytes(path, Bytes);
        return path;
    }

    /// <summary>Hand transpose of a row-major <c>[rows, cols]</c> matrix.</summary>
    public static float[] Transpose(float[] m, int rows, int cols)
    {
        var t = new float[m.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++)
                t[c * rows + r] = m[r * cols + c];
        return t;
    }
}
