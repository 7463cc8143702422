namespace Bert.Gpu.Tests.Weights;

/// <summary>Test classes that share one import of each built-in model.</summary>
[CollectionDefinition(Name)]
public sealed class BuiltInModelsCollection : ICollectionFixture<BuiltInModelsFixture>
{
    public const string Name = "Built-in models";
}
