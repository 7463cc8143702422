#!/usr/bin/python3
"""Re-derives tests/data/families/*/expected.safetensors without torch.nn.TransformerEncoderLayer.

    /usr/bin/python3 tests/oracle/families_check.py

A second, written-out reading of each family, in transformers' own style (query/key/value, heads split as
view(L, heads, head_size), softmax(QK^T / sqrt(head_size)), dense, LayerNorm(x + ...), the feed-forward), driven only by
the files in each folder: config.json, model.safetensors (parsed by hand), inputs.json. It also checks that
pytorch_model.bin holds the same tensors as model.safetensors, in the same order, and that vocab.txt has vocab_size
lines. Prints the largest difference per case; fails above 1e-6.
"""
import json, os, struct, math, sys
import numpy as np, torch
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "families")
def read_st(path):
    b = open(path, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8+n]); base = 8+n
    out = {}
    for k, v in h.items():
        if k == "__metadata__": continue
        dt = {"F32": np.float32, "I64": np.int64}[v["dtype"]]
        s, e = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(b[base+s:base+e], dtype=dt).reshape(v["shape"]).copy())
    return out
def ln(x, w, b, eps):
    m = x.mean(-1, keepdim=True); v = ((x-m)**2).mean(-1, keepdim=True); return (x-m)/torch.sqrt(v+eps)*w+b
def act(name, x):
    if name == "gelu": return 0.5*x*(1+torch.erf(x/math.sqrt(2)))
    if name == "gelu_new": return 0.5*x*(1+torch.tanh(math.sqrt(2/math.pi)*(x+0.044715*x**3)))
    if name == "relu": return x.clamp(min=0)
def attn_ffn(x, W, names, eps, a, H):
    q,k,v,o,ln1,f1,f2,ln2 = names
    L, D = x.shape; d = D//H
    def lin(n, t): return t @ W[n+".weight"].T + W[n+".bias"]
    def sp(t): return t.view(L, H, d).permute(1,0,2)
    Q,K,V = sp(lin(q,x)), sp(lin(k,x)), sp(lin(v,x))
    s = Q @ K.transpose(-1,-2) / math.sqrt(d)
    p = torch.softmax(s, -1); c = (p @ V).permute(1,0,2).reshape(L, D)
    def lnw(n): return (W[n+".weight"], W[n+".bias"]) if n+".weight" in W else (W[n+".gamma"], W[n+".beta"])
    h = ln(x + lin(o, c), *lnw(ln1), eps)
    return ln(h + lin(f2, act(a, lin(f1, h))), *lnw(ln2), eps)
worst = 0
for case in sorted(os.listdir(root)):
    f = os.path.join(root, case)
    if not os.path.isdir(f): continue
    cfg = json.load(open(f+"/config.json")); W = read_st(f+"/model.safetensors"); E = read_st(f+"/expected.safetensors")
    B = torch.load(f+"/pytorch_model.bin")
    assert list(B) == list(W), case
    for k in W: assert torch.equal(B[k].contiguous(), W[k]), k
    vocab = open(f+"/vocab.txt").read().split("\n")[:-1]; assert len(vocab) == cfg["vocab_size"]
    seqs = json.load(open(f+"/inputs.json"))
    W = {k: v.double() if v.is_floating_point() else v for k, v in W.items()}
    mt = cfg["model_type"]
    pre = {"bert": "bert.", "distilbert": "distilbert.", "roberta": "roberta.", "xlm-roberta": "roberta.",
           "camembert": "roberta.", "albert": "albert.", "electra": "electra."}[mt]
    if not any(k.startswith(pre) for k in W): pre = ""
    H = cfg.get("num_attention_heads", cfg.get("n_heads"))
    eps = cfg.get("layer_norm_eps", 1e-12); a = cfg.get("hidden_act", cfg.get("activation"))
    if mt == "distilbert":
        layers = [[f"{pre}transformer.layer.{i}.attention.{n}" for n in ["q_lin","k_lin","v_lin","out_lin"]] +
                  [f"{pre}transformer.layer.{i}.{n}" for n in ["sa_layer_norm","ffn.lin1","ffn.lin2","output_layer_norm"]]
                  for i in range(cfg["n_layers"])]
    elif mt == "albert":
        layers = []
        for i in range(cfg["num_hidden_layers"]):
            g = int(i / (cfg["num_hidden_layers"] / cfg["num_hidden_groups"]))
            for j in range(cfg["inner_group_num"]):
                p = f"{pre}encoder.albert_layer_groups.{g}.albert_layers.{j}."
                layers.append([p+"attention.query", p+"attention.key", p+"attention.value", p+"attention.dense",
                               p+"attention.LayerNorm", p+"ffn", p+"ffn_output", p+"full_layer_layer_norm"])
    else:
        layers = []
        for i in range(cfg["num_hidden_layers"]):
            p = f"{pre}encoder.layer.{i}."
            layers.append([p+"attention.self.query", p+"attention.self.key", p+"attention.self.value",
                           p+"attention.output.dense", p+"attention.output.LayerNorm", p+"intermediate.dense",
                           p+"output.dense", p+"output.LayerNorm"])
    outs, embs, per_layer, pooled = [], [], [[] for _ in layers], []
    e = pre + "embeddings."
    for s in seqs:
        ids = torch.tensor(s["ids"]); n = len(ids)
        assert max(s["ids"]) < cfg["vocab_size"]
        if mt in ("roberta", "xlm-roberta", "camembert"):
            pad = cfg["pad_token_id"]; pos = []; c = 0
            for t in s["ids"]:
                if t == pad: pos.append(pad)
                else: c += 1; pos.append(pad + c)
            pos = torch.tensor(pos)
        else: pos = torch.arange(n)
        assert pos.max() < cfg["max_position_embeddings"]
        x = W[e+"word_embeddings.weight"][ids] + W[e+"position_embeddings.weight"][pos]
        if mt != "distilbert": x = x + W[e+"token_type_embeddings.weight"][torch.tensor(s["type_ids"])]
        lw = W.get(e+"LayerNorm.weight", W.get(e+"LayerNorm.gamma")); lb = W.get(e+"LayerNorm.bias", W.get(e+"LayerNorm.beta"))
        x = ln(x, lw, lb, eps)
        if mt == "albert": x = x @ W[pre+"encoder.embedding_hidden_mapping_in.weight"].T + W[pre+"encoder.embedding_hidden_mapping_in.bias"]
        if mt == "electra": x = x @ W[pre+"embeddings_project.weight"].T + W[pre+"embeddings_project.bias"]
        embs.append(x)
        for k, names in enumerate(layers):
            x = attn_ffn(x, W, names, eps, a, H); per_layer[k].append(x)
        outs.append(x)
        pool = pre + ("pooler" if mt == "albert" else "pooler.dense")
        if pool + ".weight" in W: pooled.append(torch.tanh(x[:1] @ W[pool + ".weight"].T + W[pool + ".bias"]))
    d1 = (torch.cat(outs) - E["last_hidden_state"].double()).abs().max().item()
    d2 = (torch.cat(embs) - E["embedding_output"].double()).abs().max().item()
    d3 = max((torch.cat(per_layer[k]) - E[f"layer_output.{k}"].double()).abs().max().item() for k in range(len(layers)))
    d4 = (torch.cat(pooled) - E["pooler_output"].double()).abs().max().item() if pooled else 0.0
    assert ("pooler_output" in E) == bool(pooled) and sum(1 for k in E if k.startswith("layer_output.")) == len(layers)
    worst = max(worst, d1, d2, d3, d4)
    print(f"{case:16} last {d1:.2e}  embeddings {d2:.2e}  layers {d3:.2e}  pooler {d4:.2e}  ({len(layers)} layer applications)")
print("worst", worst)
assert worst < 1e-6, worst
