using System.Globalization;
using Bert.Gpu.Kernels.TensorCores;

namespace Bert.Gpu.Tests.Kernels.TensorCores;

/// <summary>
/// A host interpreter for the few PTX instructions the tensor-core attention's statements use, run by a whole group in
/// lock step: each instruction is evaluated for every lane against the state before it, then all results are written,
/// which is what warp-collective <c>shfl</c>, <c>ldmatrix</c> and <c>mma</c> need. Semantics from the PTX ISA;
/// <c>cp.async</c> copies at once (the kernel waits and synchronizes before reading), <c>ex2.approx</c> is exact and
/// <c>mma</c> sums its 16 products in fp32, k ascending, as <see cref="Mma16816.Emulate"/> does. Registers are
/// 64-bit cells by name; <c>%N</c> is the lane's N-th operand. Global memory is two fp16 arrays at
/// <see cref="QkvBase"/> and <see cref="ContextBase"/>; shared memory starts at address 0.
/// </summary>
internal sealed class PtxGroupModel(ushort[] qkv, ushort[] context, int threads, int sharedBytes)
{
    /// <summary>The address the model gives qkv's first half.</summary>
    public const ulong QkvBase = 1UL << 40;

    /// <summary>The address the model gives context's first half.</summary>
    public const ulong ContextBase = 2UL << 40;

    /// <summary>Which lane and element hold A(row, k) and B(k, n): the inverse of the fragment layout.</summary>
    private static readonly (int Lane, int I)[,] AOwner = Owners(16, 16, 8, (l, i) => (Mma16816.ARow(l, i), Mma16816.ACol(l, i)));

    /// <inheritdoc cref="AOwner"/>
    private static readonly (int Lane, int I)[,] BOwner = Owners(16, 8, 4, (l, i) => (Mma16816.BRow(l, i), Mma16816.BCol(l)));

    private readonly Dictionary<string, ulong>[] _registers = Enumerable.Range(0, threads).Select(_ => new Dictionary<string, ulong>()).ToArray();
    private readonly byte[] _shared = new byte[sharedBytes];

    /// <summary>Runs one asm statement on every lane, <paramref name="operands"/> giving each lane's %0, %1, … as raw bits.</summary>
    public void Run(string asm, Func<int, ulong[]> operands)
    {
        var args = Enumerable.Range(0, threads).Select(operands).ToArray();
        foreach (var raw in asm.Split(';'))
        {
            var text = raw.Trim().TrimStart('{').Trim();
            if (text.Length == 0 || text == "}" || text.StartsWith(".reg", StringComparison.Ordinal) || text.StartsWith(".shared", StringComparison.Ordinal))
                continue;
            var effects = Enumerable.Range(0, threads).Select(lane => Execute(text, lane, args[lane])).ToArray();
            foreach (var effect in effects)
                effect();
        }
    }

    private Action Execute(string text, int lane, ulong[] args)
    {
        string? predicate = null;
        if (text[0] == '@')
        {
            predicate = text[1..text.IndexOf(' ', StringComparison.Ordinal)];
            text = text[(predicate.Length + 2)..].Trim();
        }
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        var op = space < 0 ? text : text[..space];
        var o = space < 0 ? [] : Operands(text[(space + 1)..]);
        if (predicate is not null && _registers[lane][predicate] == 0)
            return () => { };
        ulong V(string token) => Value(lane, args, token);
        float F(string token) => BitConverter.UInt32BitsToSingle((uint)V(token));
        Action Set(string register, ulong value) => () => _registers[lane][register] = value;
        Action SetF(string register, float value) => Set(register, BitConverter.SingleToUInt32Bits(value));
        return op switch
        {
            "mov.u32" when o[1] == "fatile" => Set(o[0], 0),
            "mov.u32" or "mov.b32" or "mov.f32" => Set(o[0], V(o[1])),
            "add.u32" => Set(o[0], (uint)(V(o[1]) + V(o[2]))),
            "add.f32" => SetF(o[0], F(o[1]) + F(o[2])),
            "sub.f32" => SetF(o[0], F(o[1]) - F(o[2])),
            "mul.f32" => SetF(o[0], F(o[1]) * F(o[2])),
            "max.f32" => SetF(o[0], MathF.Max(F(o[1]), F(o[2]))),
            "neg.f32" => SetF(o[0], -F(o[1])),
            "fma.rn.f32" => SetF(o[0], MathF.FusedMultiplyAdd(F(o[1]), F(o[2]), F(o[3]))),
            "ex2.approx.ftz.f32" => SetF(o[0], MathF.Pow(2f, F(o[1]))),
            "rcp.rn.f32" => SetF(o[0], 1f / F(o[1])),
            "cvt.rn.f16x2.f32" => Set(o[0], HalfBits.Pack(F(o[2]), F(o[1]))),
            "setp.le.s32" => Set(o[0], (int)V(o[1]) <= (int)V(o[2]) ? 1UL : 0),
            "setp.ne.s32" => Set(o[0], (int)V(o[1]) != (int)V(o[2]) ? 1UL : 0),
            "shfl.sync.bfly.b32" => Set(o[0], _registers[(lane & ~31) | ((lane & 31) ^ (int)V(o[2]))][o[1]]),
            "ld.global.nc.b32" => Set(o[0], Global(Address(lane, args, o[1]))),
            "st.global.b32" => StoreGlobal(Address(lane, args, o[0]), (uint)V(o[1])),
            "cp.async.cg.shared.global" => CopyAsync(Address(lane, args, o[0]), Address(lane, args, o[1])),
            "cp.async.commit_group" or "cp.async.wait_group" => () => { },
            "ldmatrix.sync.aligned.m8n8.x4.shared.b16" => Ldmatrix(lane, args, o, trans: false),
            "ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16" => Ldmatrix(lane, args, o, trans: true),
            "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32" => Mma(lane, o),
            _ => throw new NotSupportedException($"PTX model: {text}"),
        };
    }

    private ulong Value(int lane, ulong[] args, string token) => token[0] switch
    {
        '%' => args[int.Parse(token[1..], CultureInfo.InvariantCulture)],
        _ when token.StartsWith("0f", StringComparison.Ordinal) || token.StartsWith("0x", StringComparison.Ordinal) =>
            ulong.Parse(token[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        _ when char.IsDigit(token[0]) => ulong.Parse(token, CultureInfo.InvariantCulture),
        _ => _registers[lane][token],
    };

    /// <summary><c>[base+imm]</c> or <c>[base]</c>.</summary>
    private ulong Address(int lane, ulong[] args, string token)
    {
        var parts = token.Trim('[', ']').Split('+');
        return Value(lane, args, parts[0]) + (parts.Length > 1 ? ulong.Parse(parts[1], CultureInfo.InvariantCulture) : 0);
    }

    private (ushort[] Memory, long Index) Half(ulong address) =>
        address >= ContextBase ? (context, (long)(address - ContextBase) / 2) : (qkv, (long)(address - QkvBase) / 2);

    private uint Global(ulong address)
    {
        Assert.True(address % 4 == 0, $"misaligned 32-bit load at {address:X}");
        var (memory, index) = Half(address);
        return memory[index] | ((uint)memory[index + 1] << 16);
    }

    private Action StoreGlobal(ulong address, uint value) => () =>
    {
        Assert.True(address % 4 == 0, $"misaligned 32-bit store at {address:X}");
        var (memory, index) = Half(address);
        memory[index] = (ushort)value;
        memory[index + 1] = (ushort)(value >> 16);
    };

    private Action CopyAsync(ulong target, ulong source) => () =>
    {
        Assert.True(target % 16 == 0 && source % 16 == 0 && target + 16 <= (ulong)_shared.Length, $"cp.async {source:X} → {target}");
        var (memory, index) = Half(source);
        for (var i = 0; i < 8; i++)
            BitConverter.TryWriteBytes(_shared.AsSpan((int)target + 2 * i), memory[index + i]);
    };

    private ushort Shared(long address) => BitConverter.ToUInt16(_shared, (int)address);

    /// <summary>Register m of the lane: matrix m's row lane/4, elements 2·(lane%4) and + 1 (or of its transpose); lanes 8m…8m + 7 address its rows.</summary>
    private Action Ldmatrix(int lane, ulong[] args, string[] o, bool trans)
    {
        var targets = o[0].Trim('{', '}').Split(',', StringSplitOptions.TrimEntries);
        var warp = lane & ~31;
        int g = (lane & 31) >> 2, t = lane & 3;
        var values = new uint[4];
        for (var m = 0; m < 4; m++)
        {
            long Row(int r)
            {
                var address = Address(warp + 8 * m + r, ArgsOf(warp + 8 * m + r, args, lane), o[1]);
                Assert.True(address % 16 == 0 && address + 16 <= (ulong)_shared.Length, $"ldmatrix row at {address}");
                return (long)address;
            }
            values[m] = trans
                ? Shared(Row(2 * t) + 2 * g) | ((uint)Shared(Row(2 * t + 1) + 2 * g) << 16)
                : Shared(Row(g) + 4 * t) | ((uint)Shared(Row(g) + 4 * t + 2) << 16);
        }
        return () =>
        {
            for (var m = 0; m < 4; m++)
                _registers[lane][targets[m]] = values[m];
        };
    }

    /// <summary>The statements' ldmatrix addresses are named registers only; a lane's own operands never reach another's.</summary>
    private static ulong[] ArgsOf(int other, ulong[] args, int lane) => other == lane ? args : [];

    /// <summary>D = A·B + C over the warp's fragments by the <see cref="Mma16816"/> layout.</summary>
    private Action Mma(int lane, string[] o)
    {
        string[] List(string token) => token.Trim('{', '}').Split(',', StringSplitOptions.TrimEntries);
        string[] d = List(o[0]), a = List(o[1]), b = List(o[2]), c = List(o[3]);
        var warp = lane & ~31;
        float A(int row, int col) => Element(_registers[warp + AOwner[row, col].Lane][a[AOwner[row, col].I >> 1]], AOwner[row, col].I);
        float B(int k, int col) => Element(_registers[warp + BOwner[k, col].Lane][b[BOwner[k, col].I >> 1]], BOwner[k, col].I);
        var results = new ulong[4];
        for (var i = 0; i < 4; i++)
        {
            var sum = 0f;
            for (var k = 0; k < 16; k++)
                sum += A(Mma16816.CRow(lane & 31, i), k) * B(k, Mma16816.CCol(lane & 31, i));
            results[i] = BitConverter.SingleToUInt32Bits(BitConverter.UInt32BitsToSingle((uint)_registers[lane][c[i]]) + sum);
        }
        return () =>
        {
            for (var i = 0; i < 4; i++)
                _registers[lane][d[i]] = results[i];
        };
    }

    private static (int, int)[,] Owners(int rows, int cols, int elements, Func<int, int, (int Row, int Col)> at)
    {
        var owners = new (int, int)[rows, cols];
        for (var l = 0; l < 32; l++)
            for (var i = 0; i < elements; i++)
                owners[at(l, i).Row, at(l, i).Col] = (l, i);
        return owners;
    }

    private static float Element(ulong pair, int i) => (i & 1) == 0 ? HalfBits.Low((uint)pair) : HalfBits.High((uint)pair);

    /// <summary>Operands split at top-level commas (not those inside a <c>{…}</c> vector).</summary>
    private static string[] Operands(string text)
    {
        var list = new List<string>();
        int depth = 0, from = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] == '{' ? 1 : text[i] == '}' ? -1 : 0;
            if (text[i] == ',' && depth == 0)
            {
                list.Add(text[from..i].Trim());
                from = i + 1;
            }
        }
        list.Add(text[from..].Trim());
        return [.. list];
    }
}
