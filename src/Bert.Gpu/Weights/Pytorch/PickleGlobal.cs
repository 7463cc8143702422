namespace Bert.Gpu.Weights.Pytorch;

/// <summary>A Python global a pickle names (<c>module.name</c>); only ever compared against the allowed names, never resolved.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    /// <summary><c>module.name</c>, as Python writes it.</summary>
    public string FullName => $"{Module}.{Name}";
}
