using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Backends.Ilgpu;
using Bert.Gpu.Encoder;
using Bert.Gpu.Heads;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Kernels;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Weights;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Families;

/// <summary>
/// Every head of every family read from its checkpoint (tests/data/heads: random weights under transformers' names,
/// logits from torch modules, re-derived by a second script) against PyTorch's logits and scores, on the host and on
/// the ILGPU kernels.
/// </summary>
[Collection(CpuAcceleratorCollection.Name)]
public class HeadOracleTests(CpuAccelerator cpu, ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    /// <summary>Every folder of tests/data/heads.</summary>
    public static TheoryData<string> Cases => [.. Names()];

    /// <summary>The folders that also hold the checkpoint as torch.save wrote it.</summary>
    public static TheoryData<string> CasesWithBin => [.. Names().Where(c => File.Exists(RepoPaths.Data("heads", c, "pytorch_model.bin")))];

    private static IEnumerable<string> Names() => Directory.GetDirectories(RepoPaths.Data("heads")).Select(d => Path.GetFileName(d)).Order(StringComparer.Ordinal);

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsMatchPyTorchOnTheHost(string name)
    {
        using var host = new HostBackend(2);
        Check(name, host);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Category", "Kernels")]
    public void LogitsMatchPyTorchOnTheIlgpuKernels(string name)
    {
        using var ilgpu = new IlgpuBackend(cpu.Accelerator);
        Check(name, ilgpu);
    }

    [Fact]
    public void EveryFamilyHasEveryHead()
    {
        var kinds = Names().Select(Load).Select(m => (m.Config.Family, Kind: m.Heads.Kind!.Value)).ToHashSet();
        foreach (var family in Enum.GetValues<ModelFamily>())
            foreach (var kind in new[] { HeadKind.SequenceClassification, HeadKind.TokenClassification, HeadKind.QuestionAnswering, HeadKind.MaskedLm })
                Assert.True(kinds.Contains((family, kind)), $"tests/data/heads has no {family} {kind} checkpoint");
    }

    [Theory]
    [MemberData(nameof(CasesWithBin))]
    public void PytorchModelBinGivesTheSameLogits(string name)
    {
        var folder = RepoPaths.Data("heads", name);
        using var dir = new Weights.TempDirectory();
        foreach (var file in Directory.GetFiles(folder).Where(f => Path.GetFileName(f) != "model.safetensors"))
            File.Copy(file, dir.File(Path.GetFileName(file)));
        var checkpoint = FamilyCheckpoint.Load("heads", name);
        using var host = new HostBackend(2);
        float[] Logits(BertModel model)
        {
            var head = model.Head();
            var logits = new float[(head.PerSequence ? checkpoint.Batch.Sequences : checkpoint.Batch.TotalTokens) * head.Width];
            using var encoder = new BertEncoder(model, host);
            encoder.Predict(checkpoint.Batch, head, logits);
            return logits;
        }
        Assert.Equal(Logits(HuggingFaceModelLoader.Load(folder)), Logits(HuggingFaceModelLoader.Load(dir.Path)));
    }

    [Fact]
    public void HeadsReadTheirLabelsAndScoresAsTransformersDoes()
    {
        var seqcls = Load("bert-seqcls").Head();
        Assert.Equal((HeadKind.SequenceClassification, ScoreFunction.Softmax, 3), (seqcls.Kind, seqcls.Scores, seqcls.Width));
        Assert.Equal(["negative", "neutral", "positive"], seqcls.Labels);
        Assert.Equal(ScoreFunction.Sigmoid, Load("bert-multilabel").Head().Scores);
        Assert.Equal((ScoreFunction.Sigmoid, 1), (Load("bert-regression").Head().Scores, Load("bert-regression").Head().Width));
        // No id2label and no num_labels: transformers' default of two labels.
        Assert.Equal(["LABEL_0", "LABEL_1"], Load("albert-seqcls").Head().Labels);
        var mlm = Load("bert-nsp").Head(HeadKind.MaskedLm);
        Assert.Equal((64, false), (mlm.Width, mlm.PerSequence));
    }

    [Fact]
    public void AnEncoderWithoutHeadWeightsSaysWhichTensorIsMissing()
    {
        var model = HuggingFaceModelLoader.Load(RepoPaths.Data("families", "bert"));
        var e = Assert.Throws<ModelFormatException>(() => model.Head(HeadKind.SequenceClassification));
        Assert.Contains("'classifier.weight' is missing", e.Problem);
    }

    private void Check(string name, IComputeBackend backend)
    {
        var worst = WorstDifference(name, backend, output);
        Assert.True(worst <= Tolerance, $"{name}: max |Δ| = {worst}");
    }

    /// <summary>The largest |Δ| between <paramref name="name"/>'s head outputs on <paramref name="backend"/> and PyTorch's.</summary>
    internal static float WorstDifference(string name, IComputeBackend backend, ITestOutputHelper output)
    {
        var checkpoint = FamilyCheckpoint.Load("heads", name);
        var model = HuggingFaceModelLoader.Load(checkpoint.Folder);
        var head = model.Head();
        var batch = checkpoint.Batch;
        var rows = head.PerSequence ? batch.Sequences : batch.TotalTokens;
        var logits = new float[rows * head.Width];
        using (var encoder = new BertEncoder(model, backend))
            encoder.Predict(batch, head, logits);
        var worst = 0f;
        void Compare(string tensor, float[] actual)
        {
            var difference = Reference.MaxAbsDiff(checkpoint.Expected[tensor], actual);
            output.WriteLine($"{name} {tensor}: max |Δ| = {difference:g3}");
            worst = Math.Max(worst, difference);
        }
        if (head.Kind == HeadKind.QuestionAnswering)
        {
            Compare("start_logits", [.. Enumerable.Range(0, rows).Select(r => logits[2 * r])]);
            Compare("end_logits", [.. Enumerable.Range(0, rows).Select(r => logits[2 * r + 1])]);
        }
        else
        {
            Compare("logits", logits);
        }
        if (checkpoint.Expected.ContainsKey("probabilities"))
            Compare("probabilities", [.. Enumerable.Range(0, rows).SelectMany(r => head.Score(logits.AsSpan(r * head.Width, head.Width)))]);
        return worst;
    }

    private static BertModel Load(string name) => HuggingFaceModelLoader.Load(RepoPaths.Data("heads", name));
}
