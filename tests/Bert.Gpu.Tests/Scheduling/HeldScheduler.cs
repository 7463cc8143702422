using Bert.Gpu.Backends;
using Bert.Gpu.Encoder;
using Bert.Gpu.Model;
using Bert.Gpu.Scheduling;
using Bert.Gpu.Tests.Support;
using Bert.Gpu.Tokenization;

namespace Bert.Gpu.Tests.Scheduling;

/// <summary>
/// A <see cref="BatchScheduler"/> over one encoder on an <see cref="InstrumentedBackend"/>, brought into a known
/// state before a test queues anything: three one-sequence plug requests fill the pipeline — the first is held in
/// its pass at the backend's gate, the second is staged (the staged queue holds one batch per encoder, here one),
/// and the third has been cut and blocks the batcher on staging it. Until the test lets the first pass go, the
/// batcher takes nothing more from the waiting queue, so whatever the test submits meanwhile is cut afterwards in
/// windows of submission order, and the batches are fixed by the budgets and the lengths alone.
/// The first <see cref="PlugPasses"/> passes are the plugs, each <see cref="Plug"/>: one sequence of 2 tokens.
/// </summary>
internal sealed class HeldScheduler : IDisposable
{
    public const int PlugPasses = 3;

    public static readonly (int Sequences, int Tokens) Plug = (1, 2);

    private readonly BertEncoder _encoder;
    private readonly Task<float[]>[] _plugs = new Task<float[]>[PlugPasses];

    public HeldScheduler(BertModel model, IComputeBackend host, SchedulerLimits limits)
    {
        Backend = new InstrumentedBackend(host);
        _encoder = new BertEncoder(model, Backend);
        Scheduler = new BatchScheduler([_encoder], model.DefaultPooling, normalize: true, limits);
        Backend.Close();
        TokenizedText[] plug = [new([model.Tokenizer.SpecialIds.Cls!.Value, model.Tokenizer.SpecialIds.Sep!.Value], [0, 0])];
        _plugs[0] = Scheduler.Submit(plug, default);
        Backend.WaitForPasses(1);
        _plugs[1] = Scheduler.Submit(plug, default);
        WaitForBatches(2);
        _plugs[2] = Scheduler.Submit(plug, default);
        WaitForBatches(3);
        Assert.Equal(0, Scheduler.Waiting);
    }

    public InstrumentedBackend Backend { get; }

    public BatchScheduler Scheduler { get; }

    /// <summary>The plug requests; they finish once the gate lets their passes through.</summary>
    public Task Plugs => Task.WhenAll(_plugs);

    /// <summary>The passes after the plugs, once every queued sequence has been computed (or dropped).</summary>
    public (int Sequences, int Tokens)[] PassesAfterPlugs()
    {
        var passes = Backend.Passes;
        Assert.Equal(Enumerable.Repeat(Plug, PlugPasses), passes.Take(PlugPasses));
        return passes.Skip(PlugPasses).ToArray();
    }

    /// <summary>
    /// Spins until the batcher has cut <paramref name="count"/> batches: the count moves only after the batcher has
    /// stopped taking sequences for that window, which the waiting queue's length cannot tell.
    /// </summary>
    private void WaitForBatches(int count) =>
        Assert.True(SpinWait.SpinUntil(() => Scheduler.BatchesFormed >= count, TimeSpan.FromMinutes(1)),
            $"the batcher cut {Scheduler.BatchesFormed} batches, not {count}");

    /// <summary>Opens the gate, finishes every queued sequence and releases the encoder.</summary>
    public void Dispose()
    {
        Backend.Open();
        Scheduler.Dispose();
        _encoder.Dispose();
        Backend.Dispose();
    }
}
