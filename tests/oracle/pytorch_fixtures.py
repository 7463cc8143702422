#!/usr/bin/python3
"""Writes tests/data/pytorch/: checkpoints written by PyTorch's own torch.save, and the same tensors as safetensors.

Run with Debian's PyTorch (apt-get install python3-torch; the committed files came from torch 1.13 on bookworm):
    /usr/bin/python3 tests/oracle/pytorch_fixtures.py
The C# tests read the .bin files with Bert.Gpu's restricted unpickler and compare every value with the .safetensors
file beside it. Those are written here by hand from tensor.contiguous(), so the strided views, storage offsets and
shared storages are resolved by torch itself, never by the code under test.

tiny-bert.bin       a one-layer BertForMaskedLM-shaped module's state_dict() (hidden 4, 2 heads, intermediate 8,
                    vocabulary 10, 6 positions: TinyHuggingFaceModel.Config in the tests), random seeded weights, the
                    'bert.' prefix, the MLM head with its decoder tied to the word embeddings (one storage, two names)
                    and an int64 position_ids buffer made as transformers makes it (arange(6).expand((1, -1)))
tiny-bert.safetensors   the same state dict, contiguous, float tensors only
sharded/            tiny-bert split over two torch.save files with a pytorch_model.bin.index.json, as transformers'
                    save_pretrained(safe_serialization=False, max_shard_size=...) lays them out
views.bin           F16, BF16, a transposed (non-contiguous) tensor, slices with storage offsets (1-D and 2-D), a
                    permuted 3-D F16 view, two names sharing one tensor and a third viewing a row of it, a 0-dim tensor,
                    an empty tensor, an int64 position_ids buffer, an nn.Parameter (torch._utils._rebuild_parameter)
views.safetensors   the same tensors, contiguous (position_ids included, as I64)
protocol4.bin       views.bin's state dict saved with pickle_protocol=4 (FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL)
single.bin          one F32 tensor, arange(6).reshape(2, 3): the tests corrupt its pickle and storage byte by byte
legacy.bin          a small state dict in the pre-1.6 format (_use_new_zipfile_serialization=False)
nested.bin          a training checkpoint, {"model": state_dict, "epoch": 3}: not a flat name -> tensor dict
malicious-eval.bin  a state dict with an entry whose pickle calls builtins.eval (named __builtin__.eval in protocol 2;
                    the expression is harmless: 6 * 7)
malicious-system.bin  the same with os.system (posix.system on Linux; the command is the harmless 'true')
"""
import collections
import json
import os
import struct

import torch

HIDDEN, HEADS, INTERMEDIATE, VOCAB, POSITIONS, TYPES = 4, 2, 8, 10, 6, 2

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "pytorch")

SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
SAME_SIZE_INT = {2: torch.int16, 4: torch.int32, 8: torch.int64}


def write_safetensors(path, tensors):
    """Safetensors by hand: an 8-byte little-endian header length, the JSON header, then each tensor's bytes."""
    header, data = {"__metadata__": {"format": "pt"}}, bytearray()
    for name, t in tensors.items():
        c = t.detach().contiguous()
        # numpy has no bfloat16: reinterpret as a same-sized integer, which keeps the bytes.
        raw = c.view(SAME_SIZE_INT[c.element_size()]).numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[c.dtype], "shape": list(c.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(data))


class SelfAttention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.query = torch.nn.Linear(HIDDEN, HIDDEN)
        self.key = torch.nn.Linear(HIDDEN, HIDDEN)
        self.value = torch.nn.Linear(HIDDEN, HIDDEN)


class DenseNorm(torch.nn.Module):
    def __init__(self, inputs):
        super().__init__()
        self.dense = torch.nn.Linear(inputs, HIDDEN)
        self.LayerNorm = torch.nn.LayerNorm(HIDDEN, eps=1e-12)


class Attention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.self = SelfAttention()
        self.output = DenseNorm(HIDDEN)


class Intermediate(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(HIDDEN, INTERMEDIATE)


class Layer(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = Attention()
        self.intermediate = Intermediate()
        self.output = DenseNorm(INTERMEDIATE)


class Encoder(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.ModuleList([Layer()])


class Embeddings(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = torch.nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = torch.nn.Embedding(POSITIONS, HIDDEN)
        self.token_type_embeddings = torch.nn.Embedding(TYPES, HIDDEN)
        self.LayerNorm = torch.nn.LayerNorm(HIDDEN, eps=1e-12)
        # As transformers' BertEmbeddings registers it.
        self.register_buffer("position_ids", torch.arange(POSITIONS).expand((1, -1)))


class Pooler(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(HIDDEN, HIDDEN)


class Bert(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embeddings = Embeddings()
        self.encoder = Encoder()
        self.pooler = Pooler()


class Transform(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.dense = torch.nn.Linear(HIDDEN, HIDDEN)
        self.LayerNorm = torch.nn.LayerNorm(HIDDEN, eps=1e-12)


class Predictions(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.transform = Transform()
        self.decoder = torch.nn.Linear(HIDDEN, VOCAB)
        self.bias = torch.nn.Parameter(torch.zeros(VOCAB))
        self.decoder.bias = self.bias


class Heads(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.predictions = Predictions()


class BertForMaskedLM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = Bert()
        self.cls = Heads()
        self.cls.predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight


def tiny_bert():
    torch.manual_seed(20261201)
    model = BertForMaskedLM()
    with torch.no_grad():
        # Every parameter random, LayerNorms included (their defaults are all ones and zeros, which would hide a swap).
        for p in model.parameters():
            p.copy_(torch.randn_like(p) * 0.5)
    return model.state_dict()


def views():
    torch.manual_seed(7)
    base = torch.randn(20)
    grid = torch.randn(4, 5)
    cube = torch.randn(2, 3, 4).half()
    tied = torch.randn(3, 4)
    d = collections.OrderedDict()
    d["f16.weight"] = torch.randn(3, 4).half()
    d["bf16.weight"] = torch.randn(5).bfloat16()
    d["transposed.weight"] = torch.randn(3, 5).t()  # shape [5, 3], strides (1, 5)
    d["slice.bias"] = base[7:13]  # offset 7 into a 20-element storage
    d["block.weight"] = grid[1:3, 1:4]  # offset 6, strides (5, 1): neither contiguous nor at the start
    d["permuted.weight"] = cube.permute(2, 0, 1)  # F16, strides (1, 12, 4)
    d["tied_a.weight"] = tied
    d["tied_b.weight"] = tied  # the same tensor under a second name
    d["tied_row.bias"] = tied[2]  # a row of the same storage, offset 8
    d["scalar.weight"] = torch.tensor(-1.75)
    d["empty.weight"] = torch.zeros(0, 4)
    d["param.weight"] = torch.nn.Parameter(torch.randn(2, 2))
    d["embeddings.position_ids"] = torch.arange(6).expand((1, -1))
    return d


class Eval:
    def __reduce__(self):
        return eval, ("6 * 7",)


class System:
    def __reduce__(self):
        return os.system, ("true",)


def main():
    os.makedirs(os.path.join(root, "sharded"), exist_ok=True)

    bert = tiny_bert()
    torch.save(bert, os.path.join(root, "tiny-bert.bin"))
    write_safetensors(os.path.join(root, "tiny-bert.safetensors"),
                      {k: v for k, v in bert.items() if v.is_floating_point()})

    names = list(bert)
    half = len(names) // 2
    shards = {"pytorch_model-00001-of-00002.bin": names[:half], "pytorch_model-00002-of-00002.bin": names[half:]}
    weight_map = {}
    for file, keys in shards.items():
        # transformers saves each shard as a plain dict of the state dict's tensors.
        torch.save({k: bert[k] for k in keys}, os.path.join(root, "sharded", file))
        weight_map.update({k: file for k in keys})
    total = sum(t.numel() * t.element_size() for t in bert.values())
    with open(os.path.join(root, "sharded", "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)

    v = views()
    torch.save(v, os.path.join(root, "views.bin"))
    torch.save(v, os.path.join(root, "protocol4.bin"), pickle_protocol=4)
    write_safetensors(os.path.join(root, "views.safetensors"), v)

    torch.save(collections.OrderedDict([("w", torch.arange(6.0).reshape(2, 3))]), os.path.join(root, "single.bin"))
    small = collections.OrderedDict([("embeddings.LayerNorm.weight", torch.ones(4))])
    torch.save(small, os.path.join(root, "legacy.bin"), _use_new_zipfile_serialization=False)
    torch.save({"model": small, "epoch": 3}, os.path.join(root, "nested.bin"))
    for name, payload in [("malicious-eval.bin", Eval()), ("malicious-system.bin", System())]:
        torch.save(collections.OrderedDict([("embeddings.LayerNorm.weight", torch.ones(4)), ("payload", payload)]),
                   os.path.join(root, name))


if __name__ == "__main__":
    main()
