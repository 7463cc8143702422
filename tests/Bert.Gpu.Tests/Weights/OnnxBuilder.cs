namespace Bert.Gpu.Tests.Weights;

/// <summary>Builds an ONNX ModelProto (field numbers from onnx.proto) node by node.</summary>
internal sealed class OnnxBuilder
{
    private readonly ProtoWriter _graph = new ProtoWriter().String(2, "tiny");

    /// <summary>FLOAT initializer in raw_data.</summary>
    public OnnxBuilder Floats(string name, float[] values, params long[] dims) =>
        Initializer(RawTensor(name, 1, dims, values.SelectMany(BitConverter.GetBytes).ToArray()));

    /// <summary>FLOAT initializer in float_data with unpacked dims, the other legal encoding.</summary>
    public OnnxBuilder FloatsInFloatData(string name, float[] values, params long[] dims)
    {
        var t = new ProtoWriter();
        foreach (var d in dims)
            t.Varint(1, d);
        t.Varint(2, 1).PackedFloats(4, values).String(8, name);
        return Initializer(t);
    }

    /// <summary>FLOAT16 initializer in raw_data.</summary>
    public OnnxBuilder Halves(string name, float[] values, params long[] dims) =>
        Initializer(RawTensor(name, 10, dims, values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray()));

    /// <summary>INT64 initializer in raw_data.</summary>
    public OnnxBuilder Longs(string name, long[] values, params long[] dims) =>
        Initializer(RawTensor(name, 7, dims, values.SelectMany(BitConverter.GetBytes).ToArray()));

    /// <summary>Any prebuilt TensorProto.</summary>
    public OnnxBuilder Initializer(ProtoWriter tensor)
    {
        _graph.Message(5, tensor);
        return this;
    }

    public OnnxBuilder Node(string op, string[] inputs, string[] outputs, params ProtoWriter[] attributes)
    {
        var n = new ProtoWriter();
        foreach (var i in inputs)
            n.String(1, i);
        foreach (var o in outputs)
            n.String(2, o);
        n.String(3, op + "_" + outputs[0]).String(4, op);
        foreach (var a in attributes)
            n.Message(5, a);
        _graph.Message(1, n);
        return this;
    }

    /// <summary>A Constant node holding a FLOAT tensor (value = t).</summary>
    public OnnxBuilder Constant(string output, float[] values, params long[] dims) =>
        Node("Constant", [], [output], new ProtoWriter().String(1, "value").Message(5, RawTensor("", 1, dims, values.SelectMany(BitConverter.GetBytes).ToArray())).Varint(20, 4));

    public OnnxBuilder Input(string name, params long[] dims) => ValueInfo(11, name, dims);

    public OnnxBuilder Output(string name) => ValueInfo(12, name, null);

    public byte[] Build(int opset = 17) =>
        new ProtoWriter()
            .Varint(1, 8) // ir_version
            .String(2, "Bert.Gpu.Tests")
            .Message(7, _graph)
            .Message(8, new ProtoWriter().String(1, "").Varint(2, opset))
            .ToArray();

    public static ProtoWriter FloatAttribute(string name, float value) => new ProtoWriter().String(1, name).Float(2, value).Varint(20, 1);

    public static ProtoWriter IntAttribute(string name, long value) => new ProtoWriter().String(1, name).Varint(3, value).Varint(20, 2);

    public static ProtoWriter IntsAttribute(string name, params long[] values) => new ProtoWriter().String(1, name).PackedVarints(8, values).Varint(20, 7);

    public static ProtoWriter RawTensor(string name, int dataType, long[] dims, byte[] raw)
    {
        var t = new ProtoWriter().PackedVarints(1, dims).Varint(2, dataType);
        if (name.Length > 0)
            t.String(8, name);
        return t.Bytes(9, raw);
    }

    private OnnxBuilder ValueInfo(int field, string name, long[]? dims)
    {
        var tensorType = new ProtoWriter().Varint(1, 1); // elem_type FLOAT
        if (dims is not null)
        {
            var shape = new ProtoWriter();
            foreach (var d in dims)
                shape.Message(1, new ProtoWriter().Varint(1, d));
            tensorType.Message(2, shape);
        }
        _graph.Message(field, new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType)));
        return this;
    }
}
