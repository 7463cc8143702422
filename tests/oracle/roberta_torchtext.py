#!/usr/bin/python3
"""A second, independent reading of RoBERTa for tests/data/families/{roberta,xlm-roberta,camembert}: torchtext's own
RoBERTa encoder (Debian python3-torchtext 0.14: torchtext/models/roberta/modules.py, loaded by file path because
`import torchtext` fails in its C extension on Debian 12) run on each fixture's weights, against the fixture's
expected last_hidden_state (written by tests/oracle/families.py from our reading of transformers).

What torchtext decides by itself: the positions (fairseq's make_positions: cumsum of non-pad tokens, plus the pad
index), the embedding LayerNorm and every layer (its own TransformerEncoder over torch.nn layers). What it cannot
say: RoBERTa's single token-type row, which transformers adds and torchtext has no table for — folded here into the
position table (adding it to every position row adds it to every token) — and the pad-in-the-middle sequence, which
torchtext masks as a key while transformers (called without a mask) attends to it: that sequence is left out.

    /usr/bin/python3 tests/oracle/roberta_torchtext.py      # exits 1 if any fixture differs by more than 1e-5
"""
import importlib.util
import json
import os
import struct
import sys

import numpy as np
import torch

spec = importlib.util.spec_from_file_location("roberta_modules", "/usr/lib/python3/dist-packages/torchtext/models/roberta/modules.py")
modules = importlib.util.module_from_spec(spec)
spec.loader.exec_module(modules)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "families")


def read_safetensors(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        dtype = {"F32": np.float32, "I64": np.int64}[entry["dtype"]]
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + start:8 + n + end], dtype=dtype).reshape(entry["shape"]).copy())
    return out


worst_overall = 0.0
for case in ["roberta", "xlm-roberta", "camembert"]:
    folder = os.path.join(root, case)
    config = json.load(open(os.path.join(folder, "config.json")))
    w = read_safetensors(os.path.join(folder, "model.safetensors"))
    expected = read_safetensors(os.path.join(folder, "expected.safetensors"))["last_hidden_state"]
    inputs = json.load(open(os.path.join(folder, "inputs.json")))
    pad, layers, hidden = config["pad_token_id"], config["num_hidden_layers"], config["hidden_size"]
    encoder = modules.TransformerEncoder(
        vocab_size=config["vocab_size"], embedding_dim=hidden, padding_idx=pad, max_seq_len=config["max_position_embeddings"],
        num_encoder_layers=layers, num_attention_heads=config["num_attention_heads"], ffn_dimension=config["intermediate_size"],
        dropout=0.0, normalize_before=False)
    p = "roberta."
    state = {
        "token_embedding.weight": w[p + "embeddings.word_embeddings.weight"],
        "positional_embedding.embedding.weight": w[p + "embeddings.position_embeddings.weight"] + w[p + "embeddings.token_type_embeddings.weight"][0],
        "embedding_layer_norm.weight": w[p + "embeddings.LayerNorm.weight"],
        "embedding_layer_norm.bias": w[p + "embeddings.LayerNorm.bias"],
    }
    for i in range(layers):
        q = f"{p}encoder.layer.{i}."
        t = f"layers.layers.{i}."
        state[t + "self_attn.in_proj_weight"] = torch.cat([w[q + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
        state[t + "self_attn.in_proj_bias"] = torch.cat([w[q + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
        state[t + "self_attn.out_proj.weight"] = w[q + "attention.output.dense.weight"]
        state[t + "self_attn.out_proj.bias"] = w[q + "attention.output.dense.bias"]
        state[t + "linear1.weight"] = w[q + "intermediate.dense.weight"]
        state[t + "linear1.bias"] = w[q + "intermediate.dense.bias"]
        state[t + "linear2.weight"] = w[q + "output.dense.weight"]
        state[t + "linear2.bias"] = w[q + "output.dense.bias"]
        state[t + "norm1.weight"] = w[q + "attention.output.LayerNorm.weight"]
        state[t + "norm1.bias"] = w[q + "attention.output.LayerNorm.bias"]
        state[t + "norm2.weight"] = w[q + "output.LayerNorm.weight"]
        state[t + "norm2.bias"] = w[q + "output.LayerNorm.bias"]
    encoder.load_state_dict(state, strict=True)
    encoder.eval()
    # torchtext's LayerNorms use torch's default eps 1e-5, RoBERTa's layer_norm_eps.
    assert abs(config["layer_norm_eps"] - 1e-5) < 1e-12, config["layer_norm_eps"]
    row, worst, compared = 0, 0.0, 0
    with torch.no_grad():
        for sequence in inputs:
            ids = sequence["ids"]
            if pad not in ids:
                out = encoder(torch.tensor([ids]))[:, 0]  # torchtext returns T x B x C
                worst = max(worst, (out - expected[row:row + len(ids)]).abs().max().item())
                compared += 1
            row += len(ids)
    print(f"{case}: torchtext's RoBERTa vs the fixture on {compared} sequences: max |Δ| = {worst:.3g}")
    worst_overall = max(worst_overall, worst)
sys.exit(0 if worst_overall <= 1e-5 else 1)
