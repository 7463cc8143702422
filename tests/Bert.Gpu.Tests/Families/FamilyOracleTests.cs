using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Host;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tests.Weights;
using Bert.Gpu.Weights;
using Xunit.Abstractions;

namespace Bert.Gpu.Tests.Families;

/// <summary>
/// Every family's checkpoint, read from its HuggingFace folder by <see cref="HuggingFaceModelLoader"/>, against the last
/// hidden state PyTorch computed (torch's own TransformerEncoderLayer, checked by a second, written-out forward pass).
/// The erf-for-tanh GELU mistake moves ALBERT by 2e-3, the RoBERTa position offset by 2.6: 1e-4 catches both.
/// </summary>
public class FamilyOracleTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> Cases => [.. FamilyCheckpoint.Cases];

    [Theory]
    [MemberData(nameof(Cases))]
    public void LastHiddenStateMatchesPyTorch(string name)
    {
        var checkpoint = FamilyCheckpoint.Load(name);
        var model = HuggingFaceModelLoader.Load(checkpoint.Folder);
        using var host = new HostBackend(2);
        var actual = LastHiddenState(model, host, checkpoint.Batch);
        var difference = Reference.MaxAbsDiff(checkpoint.Expected["last_hidden_state"], actual);
        output.WriteLine($"{name} ({model.Config.Family}): max |Δ| = {difference:g3}");
        Assert.True(difference <= Tolerance, $"{name}: max |Δ| = {difference}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PytorchModelBinGivesTheSafetensorsModel(string name)
    {
        var checkpoint = FamilyCheckpoint.Load(name);
        using var dir = new TempDirectory();
        foreach (var file in Directory.GetFiles(checkpoint.Folder).Where(f => Path.GetFileName(f) != "model.safetensors"))
            File.Copy(file, dir.File(Path.GetFileName(file)));
        var fromBin = HuggingFaceModelLoader.Load(dir.Path);
        var fromSafetensors = HuggingFaceModelLoader.Load(checkpoint.Folder);
        Assert.Equal(fromSafetensors.Config with { LayerSchedule = null }, fromBin.Config with { LayerSchedule = null });
        Assert.Equal(fromSafetensors.ContentHash, fromBin.ContentHash);
    }

    [Fact]
    public void TheFamiliesReadWhatTheirConfigsSay()
    {
        var roberta = HuggingFaceModelLoader.Load(FamilyCheckpoint.Load("roberta").Folder);
        Assert.Equal((ModelFamily.Roberta, 1, 24), (roberta.Config.Family, roberta.Config.PositionPadId!.Value, roberta.MaxLength));
        var albert = HuggingFaceModelLoader.Load(FamilyCheckpoint.Load("albert-groups").Folder).Config;
        Assert.Equal([0, 1, 0, 1, 2, 3, 2, 3], albert.Schedule);
        Assert.Equal((4, 16, true, "gelu_new"), (albert.NumLayers, albert.EmbeddingWidth, albert.HasEmbeddingProjection, albert.HiddenAct));
        var distil = HuggingFaceModelLoader.Load(FamilyCheckpoint.Load("distilbert-relu").Folder).Config;
        Assert.Equal((ModelFamily.DistilBert, 32, 2, 4, 64, "relu"), (distil.Family, distil.HiddenSize, distil.NumLayers, distil.NumHeads, distil.IntermediateSize, distil.HiddenAct));
    }

    [Fact]
    public void RobertaPositionsCountNonPadTokensFromPadPlusOne()
    {
        // HF's rule by hand for "<s> a b c <pad> d e f </s>" with pad 1: the pad keeps position 1.
        var batch = new PackedBatch([new([0, 10, 11, 12, 1, 13, 14, 15, 2], new int[9]), new([0, 2], new int[2])]);
        Assert.Equal([2, 3, 4, 5, 1, 6, 7, 8, 9, 2, 3], BertEncoder.PaddedPositions(batch, pad: 1));
    }

    internal static float[] LastHiddenState(BertModel model, IComputeBackend backend, PackedBatch batch)
    {
        using var encoder = new BertEncoder(model, backend);
        var result = new float[batch.TotalTokens * model.Config.HiddenSize];
        encoder.LastHiddenState(batch, result);
        return result;
    }
}
