namespace Bert.Gpu.Fuzz;

/// <summary>A reader returned without error but broke a property it promises; like any other escaping exception, afl counts it as a crash.</summary>
internal sealed class PropertyViolation(string message) : Exception(message)
{
    /// <summary>Throws when <paramref name="holds"/> is false.</summary>
    public static void Check(bool holds, string property)
    {
        if (!holds)
            throw new PropertyViolation(property);
    }
}
