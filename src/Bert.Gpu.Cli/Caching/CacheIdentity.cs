using System.Globalization;
using Bert.Gpu.Cli.Jobs;

namespace Bert.Gpu.Cli.Caching;

/// <summary>
/// Everything that decides a cached row besides its text: the model's content hash and every option that changes a
/// row (as <see cref="JobIdentity"/> resolves them, defaults filled in), plus the kind of device that computes. Unlike
/// a job identity it leaves out where the texts come from (input format, field, column): the same text gives the same
/// row from a line, a JSON field or a CSV cell, and from <c>embed</c> or the server.
/// </summary>
/// <param name="ModelHash">The model's content hash (weights, vocabulary, configuration).</param>
/// <param name="Width">Floats per row.</param>
/// <param name="Pooling">Pooling in force, lower case.</param>
/// <param name="Normalize">Rows are L2-normalized.</param>
/// <param name="MaxLength">Longest sequence in tokens, special tokens included.</param>
/// <param name="LongText">truncate or window.</param>
/// <param name="Stride">Window stride; null when truncating.</param>
/// <param name="Precision">Resolved precision of the linear layers (fp32, fp16, int8…), lower case.</param>
/// <param name="Device">
/// The device family (<c>host</c>, <c>cuda</c>, <c>opencl</c>…): a GPU's kernels sum in another order than the host
/// GEMM, so their float32 rows differ in the last bits, and a hit must give the very bits this run would compute.
/// </param>
/// <param name="Ids">The keys are pre-tokenized ids (<c>--ids-field</c>), not texts: a namespace of its own.</param>
internal sealed record CacheIdentity(string ModelHash, int Width, string Pooling, bool Normalize, int MaxLength, string LongText,
    int? Stride, string Precision, string Device, bool Ids)
{
    /// <summary>Bumped whenever what a row means changes, so older rows can never match.</summary>
    private const int Version = 1;

    /// <summary>The rows of an embed job: its identity's row-deciding members, computed on <paramref name="device"/>.</summary>
    public static CacheIdentity For(JobIdentity job, string device) => new(job.ModelHash, job.Width, job.Pooling, job.Normalize,
        job.MaxLength, job.LongText, job.Stride,
        job.Precision ?? throw new ArgumentException("The job's precision must be resolved (only older manifests lack it).", nameof(job)),
        device, job.IdsField is not null);

    /// <summary>The family of a backend from its device name: its first word, lower case (<c>host (2 threads, …)</c>: <c>host</c>).</summary>
    public static string DeviceFamily(string deviceName) =>
        string.Join('+', deviceName.Split(" + ").Select(d => d.Split(' ')[0].ToLowerInvariant()).Distinct());

    /// <summary>The canonical text the keys are hashed from: every member, named, in a fixed order.</summary>
    public string Canonical => string.Create(CultureInfo.InvariantCulture,
        $"bert-gpu-row/{Version} model={ModelHash} width={Width} pooling={Pooling} normalize={(Normalize ? "on" : "off")} max_length={MaxLength} long_text={LongText} stride={Stride?.ToString(CultureInfo.InvariantCulture) ?? "-"} precision={Precision} device={Device} key={(Ids ? "ids" : "text")}");
}
