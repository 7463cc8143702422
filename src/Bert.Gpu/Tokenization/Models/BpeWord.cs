namespace Bert.Gpu.Tokenization.Models;

/// <summary>
/// HF's BPE Word: a linked list of symbols merged through a priority queue of (rank, position), so a word of n
/// characters costs O(n log n) however many merges apply. One instance per thread is reused.
/// </summary>
internal sealed class BpeWord
{
    private Symbol[] _symbols = new Symbol[32];
    private int _count;
    private Candidate[] _heap = new Candidate[32];
    private int _heapCount;

    /// <summary>Empties the word.</summary>
    public void Clear() => _count = 0;

    /// <summary>Appends a symbol covering code units <c>[start, end)</c> of the word.</summary>
    public void Add(int id, int start, int end)
    {
        if (_count == _symbols.Length) Array.Resize(ref _symbols, _count * 2);
        _symbols[_count] = new Symbol { Id = id, Start = start, End = end, Prev = _count - 1, Next = -1 };
        if (_count > 0) _symbols[_count - 1].Next = _count;
        _count++;
    }

    /// <summary>Applies <paramref name="merges"/> ((left, right) → (rank, merged id)) until none is left.</summary>
    public void MergeAll(Dictionary<long, (int Rank, int NewId)> merges)
    {
        _heapCount = 0;
        for (var i = 0; i + 1 < _count; i++)
        {
            if (merges.TryGetValue(BpeModel.Pair(_symbols[i].Id, _symbols[i + 1].Id), out var m)) Push(new Candidate(m.Rank, i, m.NewId));
        }
        while (_heapCount > 0)
        {
            var top = Pop();
            ref var current = ref _symbols[top.Position];
            if (current.Removed || current.Next < 0) continue;
            ref var right = ref _symbols[current.Next];
            // A stale entry: the pair at this position has changed since it was queued.
            if (!merges.TryGetValue(BpeModel.Pair(current.Id, right.Id), out var now) || now.NewId != top.NewId) continue;
            current.Id = top.NewId;
            current.End = right.End;
            current.Next = right.Next;
            right.Removed = true;
            if (current.Next >= 0) _symbols[current.Next].Prev = top.Position;
            if (current.Prev >= 0 && merges.TryGetValue(BpeModel.Pair(_symbols[current.Prev].Id, current.Id), out var before))
                Push(new Candidate(before.Rank, current.Prev, before.NewId));
            if (current.Next >= 0 && merges.TryGetValue(BpeModel.Pair(current.Id, _symbols[current.Next].Id), out var after))
                Push(new Candidate(after.Rank, top.Position, after.NewId));
        }
    }

    /// <summary>Appends the remaining symbols as tokens.</summary>
    public void AppendTo(List<ModelToken> tokens)
    {
        for (var i = 0; i < _count; i++)
        {
            if (!_symbols[i].Removed) tokens.Add(new ModelToken(_symbols[i].Id, _symbols[i].Start, _symbols[i].End));
        }
    }

    private void Push(Candidate candidate)
    {
        if (_heapCount == _heap.Length) Array.Resize(ref _heap, _heapCount * 2);
        var i = _heapCount++;
        while (i > 0)
        {
            var parent = (i - 1) / 2;
            if (!candidate.Before(_heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = candidate;
    }

    private Candidate Pop()
    {
        var top = _heap[0];
        var last = _heap[--_heapCount];
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= _heapCount) break;
            if (child + 1 < _heapCount && _heap[child + 1].Before(_heap[child])) child++;
            if (!_heap[child].Before(last)) break;
            _heap[i] = _heap[child];
            i = child;
        }
        if (_heapCount > 0) _heap[i] = last;
        return top;
    }

    private struct Symbol
    {
        public int Id, Start, End, Prev, Next;
        public bool Removed;
    }

    // HF's Merge order: lowest rank first, then leftmost position.
    private readonly record struct Candidate(int Rank, int Position, int NewId)
    {
        public bool Before(Candidate other) => Rank != other.Rank ? Rank < other.Rank : Position < other.Position;
    }
}
