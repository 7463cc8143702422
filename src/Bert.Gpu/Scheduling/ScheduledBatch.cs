using Bert.Gpu.Encoder;

namespace Bert.Gpu.Scheduling;

/// <summary>A packed batch staged for an encoder, with the sequences whose rows it produces, in batch order.</summary>
internal sealed record ScheduledBatch(PackedBatch Batch, ScheduledSequence[] Sequences);
