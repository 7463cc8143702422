namespace Bert.Gpu.Weights.Pytorch;

/// <summary>
/// The pickle opcodes <c>torch.save</c> writes for a state dict, with protocol 2 (its default) or 4. Every other opcode —
/// among them INST, OBJ, NEWOBJ and the protocol-0 text forms, through which a pickle builds arbitrary objects — is refused.
/// </summary>
internal enum PickleOpcode : byte
{
    Mark = (byte)'(',
    Stop = (byte)'.',
    BinInt = (byte)'J',
    BinInt1 = (byte)'K',
    BinInt2 = (byte)'M',
    None = (byte)'N',
    BinPersId = (byte)'Q',
    Reduce = (byte)'R',
    BinUnicode = (byte)'X',
    Append = (byte)'a',
    Build = (byte)'b',
    Global = (byte)'c',
    Appends = (byte)'e',
    BinFloat = (byte)'G',
    BinGet = (byte)'h',
    LongBinGet = (byte)'j',
    BinPut = (byte)'q',
    LongBinPut = (byte)'r',
    SetItem = (byte)'s',
    Tuple = (byte)'t',
    SetItems = (byte)'u',
    EmptyDict = (byte)'}',
    EmptyList = (byte)']',
    EmptyTuple = (byte)')',
    Proto = 0x80,
    Tuple1 = 0x85,
    Tuple2 = 0x86,
    Tuple3 = 0x87,
    NewTrue = 0x88,
    NewFalse = 0x89,
    Long1 = 0x8a,
    ShortBinUnicode = 0x8c,
    StackGlobal = 0x93,
    Memoize = 0x94,
    Frame = 0x95,
}
