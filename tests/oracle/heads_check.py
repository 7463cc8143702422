#!/usr/bin/python3
"""Re-derives tests/data/heads/*/expected.safetensors a second way, from each folder's own files.

    /usr/bin/python3 tests/oracle/heads_check.py

Nothing is imported from heads.py or families.py. The encoder is written out in transformers' style (query / key /
value, heads as view(L, heads, head_size), softmax(QK^T / sqrt(head_size)), dense, LayerNorm(x + ...), feed-forward)
with no torch.nn module; LayerNorm, GELU (erf and tanh), softmax and sigmoid are written as formulas. The head is
chosen from config.json's `architectures` and `model_type`, its tensors looked up by transformers' names, the label
count read as transformers reads it (len(id2label); PretrainedConfig's default of 2 labels when the config has none).
Checks beside the numbers:
  * model.safetensors holds no tied alias (decoder / lm_head / vocab_projector / generator_lm_head weight, decoder
    bias), as save_pretrained de-aliases them, and no position_ids buffer;
  * pytorch_model.bin, where there is one, holds the same tensors plus the aliases, in state_dict() order, each alias
    on the same storage as the tensor it is tied to;
  * id2label / label2id are inverse, num_labels (where written) equals len(id2label), vocab.txt has vocab_size lines;
  * every expected tensor is re-derived (fails above 1e-6) and none is left unchecked;
  * the tensors outside the base model are exactly the head's, with their shapes (head_shapes), and a pooler is
    there only for the classes whose base model has one;
  * question-answering inputs are pairs in the family's format (check_inputs); every RoBERTa folder has the
    tokenizer.json of tests/oracle/family-tokenizers.js;
  * every family has every head (sequence classification, token classification, QA, masked LM) and at least one
    pytorch_model.bin.
It also prints how far the ALBERT / ELECTRA MLM logits move if their head LayerNorm used nn.LayerNorm's default eps
1e-5 (what transformers' AlbertMLMHead / ElectraGeneratorPredictions did before they took config.layer_norm_eps).
"""
import json
import math
import os
import struct

import numpy as np
import torch

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "heads")

PREFIX = {"bert": "bert.", "distilbert": "distilbert.", "roberta": "roberta.", "xlm-roberta": "roberta.",
          "camembert": "roberta.", "albert": "albert.", "electra": "electra."}
TIED = {  # (model_type family, alias) -> source, for the *ForMaskedLM / *ForPreTraining heads
    "bert": {"cls.predictions.decoder.weight": "W", "cls.predictions.decoder.bias": "cls.predictions.bias"},
    "roberta": {"lm_head.decoder.weight": "W", "lm_head.decoder.bias": "lm_head.bias"},
    "distilbert": {"vocab_projector.weight": "W"},
    "albert": {"predictions.decoder.weight": "W", "predictions.decoder.bias": "predictions.bias"},
    "electra": {"generator_lm_head.weight": "W"},
}


def read_st(path):
    b = open(path, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n])
    out = {}
    for k, v in h.items():
        if k == "__metadata__":
            continue
        dt = {"F32": np.float32, "I64": np.int64}[v["dtype"]]
        s, e = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(b[8 + n + s:8 + n + e], dtype=dt).reshape(v["shape"]).copy())
    return out


def ln(x, w, b, eps):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps) * w + b


def act(name, x):
    if name == "gelu":
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    if name == "gelu_new":
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    if name == "relu":
        return torch.where(x > 0, x, torch.zeros_like(x))
    if name == "tanh":
        return torch.tanh(x)
    raise ValueError(name)


def softmax(x):
    e = torch.exp(x - x.max(-1, keepdim=True).values)
    return e / e.sum(-1, keepdim=True)


def sigmoid(x):
    return 1 / (1 + torch.exp(-x))


def lin(W, name, x, weight=None):
    return x @ W[weight or name + ".weight"].T + W[name + ".bias"]


def encoder(cfg, W, seqs):
    """Last hidden state per sequence, written out; returns a list of [L, hidden] tensors."""
    mt = cfg["model_type"]
    family = {"xlm-roberta": "roberta", "camembert": "roberta"}.get(mt, mt)
    pre = PREFIX[mt]
    H = cfg.get("num_attention_heads", cfg.get("n_heads"))
    eps = cfg.get("layer_norm_eps", 1e-12)
    a = cfg.get("hidden_act", cfg.get("activation"))
    if family == "distilbert":
        layers = [[f"{pre}transformer.layer.{i}.attention.{n}" for n in ["q_lin", "k_lin", "v_lin", "out_lin"]] +
                  [f"{pre}transformer.layer.{i}.{n}" for n in ["sa_layer_norm", "ffn.lin1", "ffn.lin2",
                                                              "output_layer_norm"]]
                  for i in range(cfg["n_layers"])]
    elif family == "albert":
        layers = []
        for i in range(cfg["num_hidden_layers"]):
            g = int(i / (cfg["num_hidden_layers"] / cfg["num_hidden_groups"]))
            for j in range(cfg["inner_group_num"]):
                p = f"{pre}encoder.albert_layer_groups.{g}.albert_layers.{j}."
                layers.append([p + "attention.query", p + "attention.key", p + "attention.value", p + "attention.dense",
                               p + "attention.LayerNorm", p + "ffn", p + "ffn_output", p + "full_layer_layer_norm"])
    else:
        layers = []
        for i in range(cfg["num_hidden_layers"]):
            p = f"{pre}encoder.layer.{i}."
            layers.append([p + "attention.self.query", p + "attention.self.key", p + "attention.self.value",
                           p + "attention.output.dense", p + "attention.output.LayerNorm", p + "intermediate.dense",
                           p + "output.dense", p + "output.LayerNorm"])
    e = pre + "embeddings."
    outs = []
    for s in seqs:
        ids = torch.tensor(s["ids"])
        assert max(s["ids"]) < cfg["vocab_size"]
        if family == "roberta":
            pad, c, pos = cfg["pad_token_id"], 0, []
            for t in s["ids"]:
                if t == pad:
                    pos.append(pad)
                else:
                    c += 1
                    pos.append(pad + c)
            pos = torch.tensor(pos)
        else:
            pos = torch.arange(len(ids))
        x = W[e + "word_embeddings.weight"][ids] + W[e + "position_embeddings.weight"][pos]
        if family != "distilbert":
            x = x + W[e + "token_type_embeddings.weight"][torch.tensor(s["type_ids"])]
        x = ln(x, W[e + "LayerNorm.weight"], W[e + "LayerNorm.bias"], eps)
        if family == "albert":
            x = lin(W, pre + "encoder.embedding_hidden_mapping_in", x)
        if family == "electra":
            x = lin(W, pre + "embeddings_project", x)
        for q, k, v, o, ln1, f1, f2, ln2 in layers:
            L, D = x.shape
            d = D // H

            def split(t):
                return t.view(L, H, d).permute(1, 0, 2)

            Q, K, Vv = split(lin(W, q, x)), split(lin(W, k, x)), split(lin(W, v, x))
            p = softmax(Q @ K.transpose(-1, -2) / math.sqrt(d))
            c = (p @ Vv).permute(1, 0, 2).reshape(L, D)
            h = ln(x + lin(W, o, c), W[ln1 + ".weight"], W[ln1 + ".bias"], eps)
            x = ln(h + lin(W, f2, act(a, lin(W, f1, h))), W[ln2 + ".weight"], W[ln2 + ".bias"], eps)
        outs.append(x)
    return outs, family


def num_labels(cfg):
    # PretrainedConfig: id2label decides; without it, num_labels (default 2).
    if "id2label" in cfg:
        return len(cfg["id2label"])
    return cfg.get("num_labels", 2)


def mlm(cfg, W, family, hidden, eps_override=None):
    """(transform output, logits) of the family's MLM head over [tokens, hidden]."""
    we = PREFIX[cfg["model_type"]] + "embeddings.word_embeddings.weight"
    eps = cfg.get("layer_norm_eps", 1e-12)
    if family == "bert":
        x = act(cfg["hidden_act"], lin(W, "cls.predictions.transform.dense", hidden))
        x = ln(x, W["cls.predictions.transform.LayerNorm.weight"], W["cls.predictions.transform.LayerNorm.bias"], eps)
        return x, x @ W[we].T + W["cls.predictions.bias"]
    if family == "roberta":
        x = act("gelu", lin(W, "lm_head.dense", hidden))
        x = ln(x, W["lm_head.layer_norm.weight"], W["lm_head.layer_norm.bias"], eps)
        return x, x @ W[we].T + W["lm_head.bias"]
    if family == "distilbert":
        x = act(cfg["activation"], lin(W, "vocab_transform", hidden))
        x = ln(x, W["vocab_layer_norm.weight"], W["vocab_layer_norm.bias"], 1e-12)
        return x, x @ W[we].T + W["vocab_projector.bias"]
    if family == "albert":
        x = act(cfg["hidden_act"], lin(W, "predictions.dense", hidden))
        x = ln(x, W["predictions.LayerNorm.weight"], W["predictions.LayerNorm.bias"], eps_override or eps)
        return x, x @ W[we].T + W["predictions.bias"]
    if family == "electra":
        x = act("gelu", lin(W, "generator_predictions.dense", hidden))
        x = ln(x, W["generator_predictions.LayerNorm.weight"], W["generator_predictions.LayerNorm.bias"],
               eps_override or eps)
        return x, x @ W[we].T + W["generator_lm_head.bias"]
    raise ValueError(family)


def heads(cfg, W, family, hs):
    arch = cfg["architectures"][0]
    hidden = torch.cat(hs)
    first = torch.stack([h[0] for h in hs])
    out = {"last_hidden_state": hidden}
    pre = PREFIX[cfg["model_type"]]
    pooler = pre + ("pooler" if family == "albert" else "pooler.dense")
    if pooler + ".weight" in W:
        out["pooler_output"] = act("tanh", lin(W, pooler, first))
    if arch.endswith("ForSequenceClassification"):
        n = num_labels(cfg)
        if family in ("bert", "albert"):
            logits = lin(W, "classifier", out["pooler_output"])
        elif family in ("roberta", "electra"):
            out["head_hidden"] = act("tanh" if family == "roberta" else "gelu", lin(W, "classifier.dense", first))
            logits = lin(W, "classifier.out_proj", out["head_hidden"])
        else:
            out["head_hidden"] = act("relu", lin(W, "pre_classifier", first))
            logits = lin(W, "classifier", out["head_hidden"])
        assert logits.shape[1] == n, (arch, logits.shape, n)
        out["logits"] = logits
        multi = cfg.get("problem_type") == "multi_label_classification" or n == 1
        out["probabilities"] = sigmoid(logits) if multi else softmax(logits)
    elif arch.endswith("ForTokenClassification"):
        out["logits"] = lin(W, "classifier", hidden)
        assert out["logits"].shape[1] == num_labels(cfg)
        out["probabilities"] = softmax(out["logits"])
    elif arch.endswith("ForQuestionAnswering"):
        se = lin(W, "qa_outputs", hidden)
        assert se.shape[1] == 2
        out["start_logits"], out["end_logits"] = se[:, 0], se[:, 1]
    elif arch.endswith("ForMaskedLM"):
        out["head_hidden"], out["logits"] = mlm(cfg, W, family, hidden)
    elif arch == "BertForPreTraining":
        out["head_hidden"], out["prediction_logits"] = mlm(cfg, W, family, hidden)
        out["logits"] = lin(W, "cls.seq_relationship", out["pooler_output"])
        out["probabilities"] = softmax(out["logits"])
    else:
        raise ValueError(arch)
    return out


def check_weights(case, f, cfg, W, family):
    arch = cfg["architectures"][0]
    assert not any(k.endswith("position_ids") for k in W), case
    tied = TIED[family] if arch.endswith("ForMaskedLM") or arch == "BertForPreTraining" else {}
    for alias in TIED[family]:
        assert alias not in W, (case, alias)
    if os.path.exists(f + "/pytorch_model.bin"):
        B = torch.load(f + "/pytorch_model.bin")
        assert [k for k in B if k not in tied] == list(W), case
        for k in W:
            assert torch.equal(B[k].contiguous(), W[k]), (case, k)
        for alias, source in tied.items():
            source = PREFIX[cfg["model_type"]] + "embeddings.word_embeddings.weight" if source == "W" else source
            assert B[alias].storage().data_ptr() == B[source].storage().data_ptr(), (case, alias)
            assert torch.equal(B[alias], B[source]), (case, alias)
        return "bin ok" + (f", {len(tied)} aliases share storage" if tied else "")
    return ""


def linear_shapes(name, n_out, n_in):
    return {name + ".weight": [n_out, n_in], name + ".bias": [n_out]}


def norm_shapes(name, n):
    return {name + ".weight": [n], name + ".bias": [n]}


def head_shapes(cfg, family):
    """The tensors outside the base model, with their shapes, as transformers' head modules name them (read in
    src/transformers/models/<family>/modeling_<family>.py, __init__ of each class):
      *ForTokenClassification: classifier = nn.Linear(hidden_size, num_labels) (BERT, RoBERTa, DistilBERT, ALBERT,
        ELECTRA alike; DistilBertConfig maps hidden_size to dim; ALBERT / ELECTRA read hidden_size, not
        embedding_size);
      *ForQuestionAnswering: qa_outputs = nn.Linear(hidden_size, num_labels), num_labels 2 (DistilBERT: nn.Linear(dim,
        num_labels), ValueError unless num_labels == 2);
      the sequence classification and MLM heads as heads() reads them."""
    arch = cfg["architectures"][0]
    H = cfg.get("hidden_size", cfg.get("dim"))
    E, V = cfg.get("embedding_size", H), cfg["vocab_size"]
    out = {}
    if arch.endswith("ForSequenceClassification"):
        n = num_labels(cfg)
        if family in ("bert", "albert"):
            out.update(linear_shapes("classifier", n, H))
        elif family in ("roberta", "electra"):
            out.update(linear_shapes("classifier.dense", H, H))
            out.update(linear_shapes("classifier.out_proj", n, H))
        else:
            out.update(linear_shapes("pre_classifier", H, H))
            out.update(linear_shapes("classifier", n, H))
    elif arch.endswith("ForTokenClassification"):
        out.update(linear_shapes("classifier", num_labels(cfg), H))
    elif arch.endswith("ForQuestionAnswering"):
        assert num_labels(cfg) == 2, arch
        out.update(linear_shapes("qa_outputs", 2, H))
    elif arch.endswith("ForMaskedLM") or arch == "BertForPreTraining":
        if family == "bert":
            out["cls.predictions.bias"] = [V]
            out.update(linear_shapes("cls.predictions.transform.dense", H, H))
            out.update(norm_shapes("cls.predictions.transform.LayerNorm", H))
            if arch == "BertForPreTraining":
                out.update(linear_shapes("cls.seq_relationship", 2, H))
        elif family == "roberta":
            out["lm_head.bias"] = [V]
            out.update(linear_shapes("lm_head.dense", H, H))
            out.update(norm_shapes("lm_head.layer_norm", H))
        elif family == "distilbert":
            out.update(linear_shapes("vocab_transform", H, H))
            out.update(norm_shapes("vocab_layer_norm", H))
            out["vocab_projector.bias"] = [V]
        elif family == "albert":
            out["predictions.bias"] = [V]
            out.update(norm_shapes("predictions.LayerNorm", E))
            out.update(linear_shapes("predictions.dense", E, H))
        elif family == "electra":
            out.update(norm_shapes("generator_predictions.LayerNorm", E))
            out.update(linear_shapes("generator_predictions.dense", E, H))
            out["generator_lm_head.bias"] = [V]
    else:
        raise ValueError(arch)
    return out


POOLED = {"BertForSequenceClassification", "AlbertForSequenceClassification", "BertForPreTraining"}


def check_layout(case, cfg, W, family):
    """Head tensors exactly as head_shapes() says; a pooler only where the class builds its base model with one
    (BertModel / AlbertModel with add_pooling_layer=False for the token, QA and MLM heads; RoBERTa's classification
    head and DistilBERT / ELECTRA have none)."""
    pre = PREFIX[cfg["model_type"]]
    heads_found = {k: list(v.shape) for k, v in W.items() if not k.startswith(pre)}
    assert heads_found == head_shapes(cfg, family), (case, heads_found)
    pooled = any(k.startswith(pre + "pooler") for k in W)
    assert pooled == (cfg["architectures"][0] in POOLED), (case, pooled)


def check_inputs(case, cfg, family, seqs):
    """Pairs (QA and the BERT pair cases) as each family's tokenizer writes them: [CLS] a [SEP] b [SEP] with type
    ids 0 up to the first [SEP] and 1 after it for BERT / ALBERT / ELECTRA, all 0 for DistilBERT (no token types);
    RoBERTa <s> a </s></s> b </s>, type ids all 0."""
    if not cfg["architectures"][0].endswith("ForQuestionAnswering"):
        return
    cls, sep = (0, 2) if family == "roberta" else (2, 3)
    for s in seqs:
        ids, tt = s["ids"], s["type_ids"]
        assert ids[0] == cls and ids[-1] == sep and len(ids) <= cfg["max_position_embeddings"], case
        first = ids.index(sep)
        if family == "roberta":
            assert ids[first + 1] == sep and ids.count(sep) == 3 and set(tt) == {0}, case
        else:
            assert ids.count(sep) == 2, case
            types = family != "distilbert"
            assert tt == [0] * (first + 1) + [1 if types else 0] * (len(ids) - first - 1), case


FAMILIES = ("bert", "roberta", "distilbert", "albert", "electra")
HEADS = ("ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering", "ForMaskedLM")


def main():
    worst = 0.0
    seen, bins = set(), set()
    for case in sorted(os.listdir(root)):
        f = os.path.join(root, case)
        if not os.path.isdir(f):
            continue
        cfg = json.load(open(f + "/config.json"))
        W = read_st(f + "/model.safetensors")
        E = read_st(f + "/expected.safetensors")
        seqs = json.load(open(f + "/inputs.json"))
        vocab = open(f + "/vocab.txt", encoding="utf-8").read().split("\n")[:-1]
        assert len(vocab) == cfg["vocab_size"], case
        if "id2label" in cfg:
            assert {v: int(k) for k, v in cfg["id2label"].items()} == cfg["label2id"], case
            assert cfg.get("num_labels", len(cfg["id2label"])) == len(cfg["id2label"]), case
        Wd = {k: v.double() for k, v in W.items()}
        hs, family = encoder(cfg, Wd, seqs)
        note = check_weights(case, f, cfg, W, family)
        check_layout(case, cfg, W, family)
        check_inputs(case, cfg, family, seqs)
        if family == "roberta":
            assert os.path.exists(f + "/tokenizer.json"), case  # tests/oracle/family-tokenizers.js
        seen |= {(family, h) for h in HEADS if cfg["architectures"][0].endswith(h)}
        if os.path.exists(f + "/pytorch_model.bin"):
            bins.add(family)
        out = heads(cfg, Wd, family, hs)
        assert sorted(out) == sorted(E), (case, sorted(out), sorted(E))
        diffs = {k: (out[k] - E[k].double()).abs().max().item() for k in out}
        worst = max(worst, *diffs.values())
        text = "  ".join(f"{k} {v:.1e}" for k, v in diffs.items())
        print(f"{case:18} {cfg['architectures'][0]:34} {text}  {note}")
        if family in ("albert", "electra") and "logits" in out and cfg["architectures"][0].endswith("ForMaskedLM"):
            _, old = mlm(cfg, Wd, family, torch.cat(hs), eps_override=1e-5)
            print(f"{'':18} (head LayerNorm at eps 1e-5 instead of {cfg['layer_norm_eps']}: logits move by "
                  f"{(old - out['logits']).abs().max().item():.1e})")
    missing = [(f, h) for f in FAMILIES for h in HEADS if (f, h) not in seen]
    assert not missing, missing  # every family with every head
    assert bins == set(FAMILIES), bins  # a pytorch_model.bin in every family
    print(f"{len(seen)} family x head pairs, all {len(FAMILIES) * len(HEADS)}; .bin in {len(bins)} families")
    print("worst", worst)
    assert worst < 1e-6, worst


if __name__ == "__main__":
    main()
