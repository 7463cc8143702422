using Bert.Gpu.Encoder;
using Bert.Gpu.Backends;
using Bert.Gpu.Backends.Ilgpu;
using Bert.Gpu.Model;

namespace Bert.Gpu.Scheduling;

/// <summary>The default token budget of one forward pass, sized from the device.</summary>
internal static class BatchBudget
{
    /// <summary>Host: enough rows to keep both GEMM dimensions busy while activations stay cache-friendly.</summary>
    private const int HostTokens = 8192;

    /// <summary>Beyond this a GPU is saturated anyway; more only delays the first results.</summary>
    private const int DeviceCeiling = 32768;

    /// <summary>
    /// For an ILGPU device: half of its free memory (after the weights are uploaded) over the encoder's activation bytes
    /// of one token (<see cref="BertEncoder.ActivationBytesPerToken"/>), leaving the other half to the driver and the ids
    /// of the next staged batch. Never below one whole sequence.
    /// </summary>
    public static int For(BertEncoder encoder, int maxLength)
    {
        if (encoder.Backend is not IlgpuBackend device)
            return Math.Max(HostTokens, maxLength);
        var bytesPerToken = encoder.ActivationBytesPerToken;
        var tokens = (device.DeviceMemoryBytes - device.AllocatedBytes) / 2 / bytesPerToken;
        return (int)Math.Clamp(tokens, maxLength, DeviceCeiling);
    }
}
