using System.Buffers.Binary;
using System.Text;
using Bert.Gpu.Model;

namespace Bert.Gpu.Weights.Pytorch;

/// <summary>
/// Reads the pickle of a <c>torch.save</c> state dict without Python and without executing anything. It interprets the
/// opcodes of <see cref="PickleOpcode"/> against values of its own (strings, longs, doubles, booleans, None, tuples as
/// <c>object?[]</c>, lists, <see cref="PickleDict"/>) and accepts only the globals a state dict needs, each with a fixed
/// meaning here: <c>collections.OrderedDict</c> makes an empty dict, <c>torch._utils._rebuild_tensor_v2</c> a
/// <see cref="TorchTensor"/>, <c>torch._utils._rebuild_parameter</c> gives back its tensor, and <c>torch.*Storage</c>
/// names a storage type inside a persistent id. Any other global is refused at the opcode that names it.
/// </summary>
internal sealed class StateDictUnpickler
{
    private const string OrderedDict = "collections.OrderedDict";
    private const string RebuildTensor = "torch._utils._rebuild_tensor_v2";
    private const string RebuildParameter = "torch._utils._rebuild_parameter";

    // As SafetensorsFile bounds shapes: 2^56 elements of 8 bytes still fit a long, and no file comes near it.
    private const long MaxElements = 1L << 56;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _path;
    private readonly string _entry;
    private readonly byte[] _data;
    private readonly List<object?> _stack = [];
    // Stack heights at each open MARK (Python keeps a stack of stacks; the heights say the same).
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private readonly Dictionary<string, TorchStorage> _storages = new(StringComparer.Ordinal);
    private int _pos;
    private int _opStart;

    private StateDictUnpickler(string path, string entry, byte[] data)
    {
        _path = path;
        _entry = entry;
        _data = data;
    }

    /// <summary>The tensors of the state dict pickled in <paramref name="pickle"/>, in the dict's order.</summary>
    /// <param name="path">The checkpoint file, for messages.</param>
    /// <param name="entry">The pickle's name inside the archive, for messages.</param>
    /// <param name="pickle">The pickle's bytes.</param>
    /// <exception cref="ModelFormatException">
    /// A global or opcode a state dict does not use, a malformed or truncated pickle, or a root that is not a flat dict of tensors.
    /// </exception>
    public static List<(string Name, TorchTensor Tensor)> Read(string path, string entry, byte[] pickle) =>
        new StateDictUnpickler(path, entry, pickle).StateDict();

    private List<(string Name, TorchTensor Tensor)> StateDict()
    {
        var root = Run();
        if (root is not PickleDict dict)
            throw new ModelFormatException(_path, $"{_entry} holds a {Describe(root)}, not a dict of tensors; this is not a state dict.");
        var tensors = new List<(string Name, TorchTensor Tensor)>(dict.Items.Count);
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name)
                throw new ModelFormatException(_path, $"{_entry}: the state dict has the key {key}, which is not a tensor name.");
            if (value is not TorchTensor tensor)
                throw new ModelFormatException(_path,
                    $"{_entry}: '{name}' holds a {Describe(value)}, not a tensor. A state dict maps names to tensors; a training " +
                    "checkpoint keeps one under a key such as 'model' or 'state_dict': save that dict alone " +
                    "(torch.save(checkpoint['model'], 'pytorch_model.bin')).");
            tensors.Add((name, tensor));
        }
        return tensors;
    }

    private object? Run()
    {
        while (true)
        {
            _opStart = _pos;
            var op = (PickleOpcode)Byte();
            switch (op)
            {
                case PickleOpcode.Proto:
                    if (Byte() is var protocol and > 5)
                        throw Bad($"pickle protocol {protocol} is newer than any Python writes");
                    break;
                case PickleOpcode.Frame:
                    // Protocol 4 frames only group opcodes for buffered reading; the whole pickle is in memory already.
                    Bytes(8);
                    break;
                case PickleOpcode.Stop:
                    return Pop();
                case PickleOpcode.Mark:
                    _marks.Add(_stack.Count);
                    break;
                case PickleOpcode.None:
                    Push(null);
                    break;
                case PickleOpcode.NewTrue:
                    Push(true);
                    break;
                case PickleOpcode.NewFalse:
                    Push(false);
                    break;
                case PickleOpcode.BinInt:
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4)));
                    break;
                case PickleOpcode.BinInt1:
                    Push((long)Byte());
                    break;
                case PickleOpcode.BinInt2:
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2)));
                    break;
                case PickleOpcode.Long1:
                    Push(Long1());
                    break;
                case PickleOpcode.BinFloat:
                    Push(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8)));
                    break;
                case PickleOpcode.BinUnicode:
                    Push(Text(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))));
                    break;
                case PickleOpcode.ShortBinUnicode:
                    Push(Text(Byte()));
                    break;
                case PickleOpcode.EmptyTuple:
                    Push(Array.Empty<object?>());
                    break;
                case PickleOpcode.Tuple:
                    Push(PopMark().ToArray());
                    break;
                case PickleOpcode.Tuple1:
                    Push(PopTuple(1));
                    break;
                case PickleOpcode.Tuple2:
                    Push(PopTuple(2));
                    break;
                case PickleOpcode.Tuple3:
                    Push(PopTuple(3));
                    break;
                case PickleOpcode.EmptyList:
                    Push(new List<object?>());
                    break;
                case PickleOpcode.Append:
                {
                    var item = Pop();
                    Top<List<object?>>("APPEND").Add(item);
                    break;
                }
                case PickleOpcode.Appends:
                {
                    var items = PopMark();
                    Top<List<object?>>("APPENDS").AddRange(items);
                    break;
                }
                case PickleOpcode.EmptyDict:
                    Push(new PickleDict());
                    break;
                case PickleOpcode.SetItem:
                {
                    var value = Pop();
                    var key = Key(Pop());
                    Top<PickleDict>("SETITEM").Set(key, value);
                    break;
                }
                case PickleOpcode.SetItems:
                    SetItems();
                    break;
                case PickleOpcode.BinPut:
                    Memoize(Byte());
                    break;
                case PickleOpcode.LongBinPut:
                    Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4)));
                    break;
                case PickleOpcode.Memoize:
                    Memoize(_memo.Count);
                    break;
                case PickleOpcode.BinGet:
                    Push(Recall(Byte()));
                    break;
                case PickleOpcode.LongBinGet:
                    Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))));
                    break;
                case PickleOpcode.Global:
                {
                    var module = Line();
                    Push(Allowed(module, Line()));
                    break;
                }
                case PickleOpcode.StackGlobal:
                {
                    var name = Pop();
                    var module = Pop();
                    if (module is not string m || name is not string n)
                        throw Bad($"STACK_GLOBAL takes two strings, not a {Describe(module)} and a {Describe(name)}");
                    Push(Allowed(m, n));
                    break;
                }
                case PickleOpcode.BinPersId:
                    Push(Storage(Pop()));
                    break;
                case PickleOpcode.Reduce:
                {
                    var args = Pop();
                    Push(Call(Pop(), args));
                    break;
                }
                case PickleOpcode.Build:
                    // state_dict() returns an OrderedDict carrying a _metadata attribute (module versions), which pickles as
                    // BUILD on the dict; the attribute means nothing to the weights, so the state is dropped.
                    Pop();
                    Top<PickleDict>("BUILD");
                    break;
                default:
                    throw Bad($"opcode 0x{(byte)op:x2} is not one torch.save writes for a state dict");
            }
        }
    }

    private PickleGlobal Allowed(string module, string name)
    {
        var global = new PickleGlobal(module, name);
        if (global.FullName is OrderedDict or RebuildTensor or RebuildParameter || (module == "torch" && TorchDtype.FromStorageClass(name) is not null))
            return global;
        throw new ModelFormatException(_path,
            $"{_entry} names the Python global '{global.FullName}' (byte {_opStart}), which a plain state dict of tensors never needs. " +
            "This is not a plain PyTorch state dict, so it was refused; nothing in it was executed. Only " +
            $"{OrderedDict}, {RebuildTensor}, {RebuildParameter} and torch's storage types (torch.FloatStorage, …) are accepted. " +
            "If you trust the file, load it with PyTorch and save the weights as safetensors (model.save_pretrained(dir, safe_serialization=True)).");
    }

    // torch.save's persistent id for a storage: ('storage', torch.<Type>Storage, key, location, element count).
    private TorchStorage Storage(object? id)
    {
        if (id is not object?[] { Length: 5 } t || t[0] is not "storage")
            throw Bad($"a persistent id is a {Describe(id)}, not torch's ('storage', type, key, location, size)");
        if (t[1] is not PickleGlobal { Module: "torch" } type || TorchDtype.FromStorageClass(type.Name) is not { } dtype)
            throw Bad($"a storage's type is {Describe(t[1])}, not a torch storage class");
        if (t[2] is not string key)
            throw Bad($"a storage's key is a {Describe(t[2])}, not a string");
        // The location (cpu, cuda:0, …) is where torch.load would put the storage; it is read into host memory regardless.
        if (t[3] is not string)
            throw Bad($"storage '{key}' has a location that is a {Describe(t[3])}, not a string");
        if (t[4] is not long count || count < 0 || count > MaxElements)
            throw Bad($"storage '{key}' claims {Show(t[4])} elements, which is impossible");
        if (_storages.TryGetValue(key, out var seen))
            return seen.Dtype == dtype && seen.ElementCount == count
                ? seen
                : throw Bad($"storage '{key}' is named twice with different types or sizes ({seen.Dtype.Name}×{seen.ElementCount}, {dtype.Name}×{count})");
        return _storages[key] = new TorchStorage(key, dtype, count);
    }

    private object Call(object? callable, object? args)
    {
        if (callable is not PickleGlobal function)
            throw Bad($"REDUCE calls a {Describe(callable)}, not one of the allowed globals");
        if (args is not object?[] a)
            throw Bad($"the arguments of {function.FullName} are a {Describe(args)}, not a tuple");
        return function.FullName switch
        {
            OrderedDict when a.Length == 0 => new PickleDict(),
            OrderedDict => throw Bad($"{OrderedDict} is called with arguments; torch.save makes it empty and fills it with SETITEMS"),
            RebuildTensor => Tensor(a),
            // (tensor, requires_grad, backward_hooks): an nn.Parameter saved directly is its tensor here.
            RebuildParameter when a is [TorchTensor tensor, bool, PickleDict] => tensor,
            RebuildParameter => throw Bad($"{RebuildParameter} takes (tensor, requires_grad, hooks), not ({DescribeAll(a)})"),
            _ => throw Bad($"{function.FullName} is called; torch.save names a storage type only inside a persistent id"),
        };
    }

    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). A saved tensor's hooks are an
    // empty OrderedDict (a hook would be a function, a global refused above); the metadata, when present, holds only flags
    // such as the conjugate bit of complex views, which real tensors never set.
    private TorchTensor Tensor(object?[] a)
    {
        if (a is not [TorchStorage storage, long offset, object?[] size, object?[] stride, bool, PickleDict, ..]
            || a.Length > 7 || (a.Length == 7 && a[6] is not PickleDict))
            throw Bad($"{RebuildTensor} takes (storage, offset, size, stride, requires_grad, hooks[, metadata]), not ({DescribeAll(a)})");
        if (offset < 0)
            throw Bad($"a tensor of storage '{storage.Key}' starts at the negative offset {offset}");
        if (size.Length != stride.Length)
            throw Bad($"a tensor of storage '{storage.Key}' has {size.Length} dimensions but {stride.Length} strides");
        var shape = new int[size.Length];
        var strides = new long[size.Length];
        for (var d = 0; d < size.Length; d++)
        {
            if (size[d] is not long n || n < 0 || n > int.MaxValue)
                throw Bad($"dimension {d} of a tensor of storage '{storage.Key}' is {Show(size[d])}, not a size from 0 to {int.MaxValue}");
            if (stride[d] is not long s || s < 0)
                throw Bad($"stride {d} of a tensor of storage '{storage.Key}' is {Show(stride[d])}, not a non-negative integer");
            shape[d] = (int)n;
            strides[d] = s;
        }
        // A double cannot overflow here, and 2^56 is far from where its rounding could matter.
        if (!shape.Contains(0) && shape.Aggregate(1.0, (n, d) => n * d) > MaxElements)
            throw Bad($"a tensor of storage '{storage.Key}' has shape [{string.Join(",", shape)}], more elements than a file can hold");
        return new TorchTensor(storage, offset, shape, strides);
    }

    private void SetItems()
    {
        var items = PopMark();
        var dict = Top<PickleDict>("SETITEMS");
        if (items.Count % 2 != 0)
            throw Bad($"SETITEMS has {items.Count} values, not key-value pairs");
        for (var i = 0; i < items.Count; i += 2)
            dict.Set(Key(items[i]), items[i + 1]);
    }

    private object Key(object? key) => key is string or long
        ? key
        : throw Bad($"a dict key is a {Describe(key)}; a state dict's keys are strings");

    private void Push(object? value) => _stack.Add(value);

    private object? Pop()
    {
        if (_stack.Count == (_marks.Count > 0 ? _marks[^1] : 0))
            throw Bad("an opcode takes a value from an empty stack");
        var value = _stack[^1];
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private T Top<T>(string opcode) where T : class
    {
        if (_stack.Count == (_marks.Count > 0 ? _marks[^1] : 0))
            throw Bad($"{opcode} finds the stack empty");
        return _stack[^1] as T ?? throw Bad($"{opcode} applies to a {Describe(_stack[^1])}");
    }

    private List<object?> PopMark()
    {
        if (_marks.Count == 0)
            throw Bad("an opcode needs a MARK that was never set");
        var start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(start, _stack.Count - start);
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    private object?[] PopTuple(int count)
    {
        var items = new object?[count];
        for (var i = count - 1; i >= 0; i--)
            items[i] = Pop();
        return items;
    }

    private void Memoize(long index)
    {
        if (_stack.Count == (_marks.Count > 0 ? _marks[^1] : 0))
            throw Bad("a memo entry is written from an empty stack");
        _memo[index] = _stack[^1];
    }

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Bad($"memo entry {index} is read before it was written");

    private byte Byte() => Bytes(1)[0];

    private ReadOnlySpan<byte> Bytes(long count)
    {
        if (count > _data.Length - _pos)
            throw Truncated();
        var span = _data.AsSpan(_pos, (int)count);
        _pos += (int)count;
        return span;
    }

    private string Text(long length)
    {
        try
        {
            return StrictUtf8.GetString(Bytes(length));
        }
        catch (DecoderFallbackException)
        {
            throw Bad("a string is not valid UTF-8");
        }
    }

    // GLOBAL's operands: text up to a newline.
    private string Line()
    {
        var end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0)
            throw Truncated();
        var text = Text(end - _pos);
        _pos++;
        return text;
    }

    // LONG1: a little-endian two's-complement integer of n bytes. torch writes it for sizes and offsets of 2^31 and up.
    private long Long1()
    {
        var n = Byte();
        if (n > 8)
            throw Bad($"an integer of {n} bytes; no size, stride or offset in a state dict needs more than 8");
        var bytes = Bytes(n);
        long value = 0;
        for (var i = n - 1; i >= 0; i--)
            value = (value << 8) | bytes[i];
        if (n is > 0 and < 8 && (bytes[n - 1] & 0x80) != 0)
            value -= 1L << (8 * n);
        return value;
    }

    private ModelFormatException Truncated() =>
        new(_path, $"{_entry} ends inside the opcode at byte {_opStart}; the file is truncated. Download it again.");

    private ModelFormatException Bad(string problem) =>
        new(_path, $"{_entry}, opcode at byte {_opStart}: {problem}; this is not a state dict as torch.save writes it, or the file is corrupt.");

    // A number as itself, anything else by its type.
    private static string Show(object? value) => value is long or double ? $"{value}" : Describe(value);

    private static string DescribeAll(object?[] values) => string.Join(", ", values.Select(Describe));

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string => "string",
        long => "int",
        double => "float",
        bool => "bool",
        object?[] t => $"tuple of {t.Length}",
        List<object?> => "list",
        PickleDict => "dict",
        PickleGlobal g => g.FullName,
        TorchStorage => "storage",
        TorchTensor => "tensor",
        _ => value.GetType().Name,
    };
}
