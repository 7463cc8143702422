#!/usr/bin/python3
"""Writes tests/data/families/: one tiny HuggingFace-style model folder per encoder family, with torch's outputs.

Run with Debian's PyTorch (apt-get install python3-torch; the committed files came from torch 1.13 on bookworm):
    /usr/bin/python3 tests/oracle/families.py
The run is deterministic: a fixed seed per case, one CPU thread, and every file written byte for byte the same.

Each folder holds config.json (keyed as transformers' save_pretrained writes that model_type: sorted keys, indent 2),
model.safetensors and pytorch_model.bin (the same state dict: random seeded weights under the family's real tensor
names), vocab.txt (vocab_size lines), inputs.json (a list of {"ids": [...], "type_ids": [...]}) and
expected.safetensors, every tensor [total_tokens, ...] over all sequences concatenated along tokens:
    last_hidden_state              [tokens, hidden]  the encoder's output
    embedding_output               [tokens, hidden]  the embeddings after their LayerNorm (and after the projection
                                                     to hidden, for ALBERT and ELECTRA): the first layer's input
    embedding_layernorm_output     [tokens, embedding_size]  ALBERT and ELECTRA only: before the projection
    layer_output.K                 [tokens, hidden]  after the K-th layer application (K from 0; ALBERT counts every
                                                     application of a shared layer, so albert-groups has 8)
    pooler_output                  [sequences, hidden]  tanh(pooler(first token)), where the checkpoint has a pooler

What is independent of our reading of transformers' code and what follows it:
  * Independent: the layer math. Every layer is torch.nn.TransformerEncoderLayer (post-LN, norm_first=False,
    batch_first, dropout 0) with its weights loaded from the checkpoint tensors: in_proj = cat(query, key, value),
    out_proj = the attention output dense, linear1 / linear2 = the feed-forward, norm1 = the attention LayerNorm,
    norm2 = the output LayerNorm. Attention, scaling, softmax, residuals and LayerNorm are torch's, not ours.
    Activations are torch's: F.gelu (erf) for "gelu", F.gelu(approximate='tanh') for "gelu_new", F.relu for "relu".
  * Follows transformers' code (read in huggingface/transformers, src/transformers/models/*/modeling_*.py):
    - BERT / ALBERT / ELECTRA embeddings: LayerNorm(word + token_type + position[arange]).
    - DistilBERT: LayerNorm(word + position[arange]), no token type table; every LayerNorm at eps 1e-12 (hard-coded
      in DistilBERT's modules, not a config key).
    - RoBERTa / XLM-R / CamemBERT positions, create_position_ids_from_input_ids:
        mask = ids != pad; positions = cumsum(mask) * mask + pad
      so the first token sits at pad + 1 = 2, a pad token at position pad, and max_position_embeddings = 24 + 2.
    - ALBERT: embedding_hidden_mapping_in after the embedding LayerNorm; AlbertTransformer.forward applies, for i in
      range(num_hidden_layers), group int(i / (num_hidden_layers / num_hidden_groups)), and AlbertLayerGroup.forward
      runs that group's inner_group_num layers in order.
    - ELECTRA: embeddings_project (embedding_size -> hidden_size) after the embedding LayerNorm.
    - The pooler: tanh(dense(hidden[0])) (BertPooler; AlbertModel's pooler + pooler_activation).
Each sequence runs alone (batch 1, no padding, no attention mask), in float64 from the fp32 weights; the outputs are
stored as fp32. The script also runs everything in float32 and prints the largest difference, as a sanity check.

The head tensors (MLM, classifier) are left out: the state dicts hold only what the base model and pooler read.
"""
import collections
import json
import os
import shutil
import struct

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "families")

HIDDEN, HEADS, INTERMEDIATE, LAYERS, VOCAB, MAX_LEN, EMBEDDING = 32, 4, 64, 2, 64, 24, 16
LENGTHS = [1, 2, 7, 13, MAX_LEN]
TRANSFORMERS_VERSION = "4.40.2"  # a label only: these files are written here, not by transformers

SAFETENSORS_DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def write_safetensors(path, tensors):
    """Safetensors by hand: an 8-byte little-endian header length, the JSON header, then each tensor's bytes."""
    header, data = {"__metadata__": {"format": "pt"}}, bytearray()
    for name, t in tensors.items():
        raw = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(data))


def write_config(path, config):
    # As PretrainedConfig.to_json_string writes it.
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")


# ---------------------------------------------------------------------------------------------------- vocabularies

def pieces(count):
    """Made-up word pieces: consonant-vowel syllables, every third one as a ## continuation."""
    out = []
    for c in "bdfgklmnprstvz":
        for v in "aeiou":
            out.append(("##" if len(out) % 3 == 2 else "") + c + v)
    return out[:count]


def wordpiece_vocab():
    return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + pieces(VOCAB - 5)


def roberta_vocab():
    # fairseq's order for the first four; <mask> last, as in roberta-base.
    return ["<s>", "<pad>", "</s>", "<unk>"] + pieces(VOCAB - 5) + ["<mask>"]


# ---------------------------------------------------------------------------------------------------- state dicts

def layer_names_bert(p):
    a = p + "attention."
    return [a + "self.query", a + "self.key", a + "self.value", a + "output.dense", a + "output.LayerNorm",
            p + "intermediate.dense", p + "output.dense", p + "output.LayerNorm"]


def layer_names_distilbert(p):
    a = p + "attention."
    return [a + "q_lin", a + "k_lin", a + "v_lin", a + "out_lin", p + "sa_layer_norm",
            p + "ffn.lin1", p + "ffn.lin2", p + "output_layer_norm"]


def layer_names_albert(p):
    a = p + "attention."
    return [a + "query", a + "key", a + "value", a + "dense", a + "LayerNorm",
            p + "ffn", p + "ffn_output", p + "full_layer_layer_norm"]


def linear(d, name, n_in, n_out):
    d[name + ".weight"] = ("matrix", (n_out, n_in))
    d[name + ".bias"] = ("bias", (n_out,))


def norm(d, name, n, old=False):
    d[name + (".gamma" if old else ".weight")] = ("gamma", (n,))
    d[name + (".beta" if old else ".bias")] = ("beta", (n,))


def embedding(d, name, rows, n):
    d[name + ".weight"] = ("embedding", (rows, n))


def encoder_layer(d, names, old=False):
    q, k, v, o, ln1, f1, f2, ln2 = names
    for n in (q, k, v, o):
        linear(d, n, HIDDEN, HIDDEN)
    norm(d, ln1, HIDDEN, old)
    linear(d, f1, HIDDEN, INTERMEDIATE)
    linear(d, f2, INTERMEDIATE, HIDDEN)
    norm(d, ln2, HIDDEN, old)


def albert_layer(d, names):
    # AlbertLayer registers full_layer_layer_norm first, then attention (query, key, value, dense, LayerNorm), ffn,
    # ffn_output: the state dict keeps that order.
    q, k, v, o, ln1, f1, f2, ln2 = names
    norm(d, ln2, HIDDEN)
    for n in (q, k, v, o):
        linear(d, n, HIDDEN, HIDDEN)
    norm(d, ln1, HIDDEN)
    linear(d, f1, HIDDEN, INTERMEDIATE)
    linear(d, f2, INTERMEDIATE, HIDDEN)


def fill(layout, seed):
    """Random weights for a {name: (kind, shape)} layout, drawn in order from one seeded generator."""
    g = torch.Generator().manual_seed(seed)
    sd = collections.OrderedDict()
    for name, (kind, shape) in layout.items():
        if kind == "position_ids":
            # As transformers registers it: arange(max_positions).expand((1, -1)), strides (0, 1).
            sd[name] = torch.arange(shape[1]).expand((1, -1))
            continue
        r = torch.randn(shape, generator=g, dtype=torch.float64)
        scale = {"matrix": 0.2, "bias": 0.1, "gamma": 0.1, "beta": 0.1, "embedding": 0.5}[kind]
        t = r * scale + (1.0 if kind == "gamma" else 0.0)
        sd[name] = t.to(torch.float32)
    return sd


# ---------------------------------------------------------------------------------------------------- cases

def bert_case(old_names):
    p = "" if old_names else "bert."
    d = collections.OrderedDict()
    if not old_names:
        d[p + "embeddings.position_ids"] = ("position_ids", (1, MAX_LEN))
    embedding(d, p + "embeddings.word_embeddings", VOCAB, HIDDEN)
    embedding(d, p + "embeddings.position_embeddings", MAX_LEN, HIDDEN)
    embedding(d, p + "embeddings.token_type_embeddings", 2, HIDDEN)
    norm(d, p + "embeddings.LayerNorm", HIDDEN, old_names)
    layers = []
    for i in range(LAYERS):
        names = layer_names_bert(f"{p}encoder.layer.{i}.")
        encoder_layer(d, names, old_names)
        layers.append(names)
    linear(d, p + "pooler.dense", HIDDEN, HIDDEN)
    config = {
        "architectures": ["BertModel" if old_names else "BertForMaskedLM"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": MAX_LEN,
        "model_type": "bert",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    suffix = (".gamma", ".beta") if old_names else (".weight", ".bias")
    model = dict(kind="bert", prefix=p + "embeddings.", norm=suffix, layers=layers, eps=1e-12, act="gelu",
                 types=True, pooler=p + "pooler.dense", projection=None)
    return d, config, model, wordpiece_vocab()


def distilbert_case(activation, prefixed):
    p = "distilbert." if prefixed else ""
    d = collections.OrderedDict()
    embedding(d, p + "embeddings.word_embeddings", VOCAB, HIDDEN)
    embedding(d, p + "embeddings.position_embeddings", MAX_LEN, HIDDEN)
    norm(d, p + "embeddings.LayerNorm", HIDDEN)
    layers = []
    for i in range(LAYERS):
        names = layer_names_distilbert(f"{p}transformer.layer.{i}.")
        encoder_layer(d, names)
        layers.append(names)
    config = {
        "activation": activation,
        "architectures": ["DistilBertForMaskedLM" if prefixed else "DistilBertModel"],
        "attention_dropout": 0.1,
        "dim": HIDDEN,
        "dropout": 0.1,
        "hidden_dim": INTERMEDIATE,
        "initializer_range": 0.02,
        "max_position_embeddings": MAX_LEN,
        "model_type": "distilbert",
        "n_heads": HEADS,
        "n_layers": LAYERS,
        "pad_token_id": 0,
        "qa_dropout": 0.1,
        "seq_classif_dropout": 0.2,
        "sinusoidal_pos_embds": False,
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "vocab_size": VOCAB,
    }
    model = dict(kind="distilbert", prefix=p + "embeddings.", norm=(".weight", ".bias"), layers=layers, eps=1e-12,
                 act=activation, types=False, pooler=None, projection=None)
    return d, config, model, wordpiece_vocab()


ROBERTA_ARCH = {"roberta": "RobertaForMaskedLM", "xlm-roberta": "XLMRobertaForMaskedLM",
                "camembert": "CamembertForMaskedLM"}


def roberta_case(model_type):
    p = "roberta."
    d = collections.OrderedDict()
    positions = MAX_LEN + 2
    embedding(d, p + "embeddings.word_embeddings", VOCAB, HIDDEN)
    embedding(d, p + "embeddings.position_embeddings", positions, HIDDEN)
    embedding(d, p + "embeddings.token_type_embeddings", 1, HIDDEN)
    norm(d, p + "embeddings.LayerNorm", HIDDEN)
    layers = []
    for i in range(LAYERS):
        names = layer_names_bert(f"{p}encoder.layer.{i}.")
        encoder_layer(d, names)
        layers.append(names)
    config = {
        "architectures": [ROBERTA_ARCH[model_type]],
        "attention_probs_dropout_prob": 0.1,
        "bos_token_id": 0,
        "classifier_dropout": None,
        "eos_token_id": 2,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "layer_norm_eps": 1e-05,
        "max_position_embeddings": positions,
        "model_type": model_type,
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "pad_token_id": 1,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "type_vocab_size": 1,
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    model = dict(kind="roberta", prefix=p + "embeddings.", norm=(".weight", ".bias"), layers=layers, eps=1e-5,
                 act="gelu", types=True, pooler=None, projection=None, pad=1)
    return d, config, model, roberta_vocab()


def albert_case(num_layers, groups, inner):
    p = "albert."
    d = collections.OrderedDict()
    embedding(d, p + "embeddings.word_embeddings", VOCAB, EMBEDDING)
    embedding(d, p + "embeddings.position_embeddings", MAX_LEN, EMBEDDING)
    embedding(d, p + "embeddings.token_type_embeddings", 2, EMBEDDING)
    norm(d, p + "embeddings.LayerNorm", EMBEDDING)
    linear(d, p + "encoder.embedding_hidden_mapping_in", EMBEDDING, HIDDEN)
    group_layers = []
    for gi in range(groups):
        names = [layer_names_albert(f"{p}encoder.albert_layer_groups.{gi}.albert_layers.{j}.") for j in range(inner)]
        for n in names:
            albert_layer(d, n)
        group_layers.append(names)
    d[p + "pooler.weight"] = ("matrix", (HIDDEN, HIDDEN))
    d[p + "pooler.bias"] = ("bias", (HIDDEN,))
    # AlbertTransformer.forward: for each of num_hidden_layers, the group int(i / (layers / groups)), all its layers.
    layers = []
    for i in range(num_layers):
        layers += group_layers[int(i / (num_layers / groups))]
    config = {
        "architectures": ["AlbertForMaskedLM"],
        "attention_probs_dropout_prob": 0,
        "bos_token_id": 2,
        "classifier_dropout_prob": 0.1,
        "embedding_size": EMBEDDING,
        "eos_token_id": 3,
        "hidden_act": "gelu_new",
        "hidden_dropout_prob": 0,
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "inner_group_num": inner,
        "intermediate_size": INTERMEDIATE,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": MAX_LEN,
        "model_type": "albert",
        "num_attention_heads": HEADS,
        "num_hidden_groups": groups,
        "num_hidden_layers": num_layers,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "type_vocab_size": 2,
        "vocab_size": VOCAB,
    }
    model = dict(kind="bert", prefix=p + "embeddings.", norm=(".weight", ".bias"), layers=layers, eps=1e-12,
                 act="gelu_new", types=True, pooler=p + "pooler", projection=p + "encoder.embedding_hidden_mapping_in")
    return d, config, model, wordpiece_vocab()


def electra_case():
    p = "electra."
    d = collections.OrderedDict()
    embedding(d, p + "embeddings.word_embeddings", VOCAB, EMBEDDING)
    embedding(d, p + "embeddings.position_embeddings", MAX_LEN, EMBEDDING)
    embedding(d, p + "embeddings.token_type_embeddings", 2, EMBEDDING)
    norm(d, p + "embeddings.LayerNorm", EMBEDDING)
    linear(d, p + "embeddings_project", EMBEDDING, HIDDEN)
    layers = []
    for i in range(LAYERS):
        names = layer_names_bert(f"{p}encoder.layer.{i}.")
        encoder_layer(d, names)
        layers.append(names)
    config = {
        "architectures": ["ElectraForPreTraining"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "embedding_size": EMBEDDING,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": HIDDEN,
        "initializer_range": 0.02,
        "intermediate_size": INTERMEDIATE,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": MAX_LEN,
        "model_type": "electra",
        "num_attention_heads": HEADS,
        "num_hidden_layers": LAYERS,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "summary_activation": "gelu",
        "summary_last_dropout": 0.1,
        "summary_type": "first",
        "summary_use_proj": True,
        "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION,
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": VOCAB,
    }
    model = dict(kind="bert", prefix=p + "embeddings.", norm=(".weight", ".bias"), layers=layers, eps=1e-12,
                 act="gelu", types=True, pooler=None, projection=p + "embeddings_project")
    return d, config, model, wordpiece_vocab()


# ---------------------------------------------------------------------------------------------------- inputs

def make_inputs(seed, roberta, types):
    """Five sequences of LENGTHS: CLS/<s> first and SEP/</s> last; the last two are pairs (type ids 1 on the second
    segment where the family has token types; RoBERTa's pairs are <s> A </s></s> B </s> with type ids 0)."""
    g = torch.Generator().manual_seed(seed)
    if roberta:
        cls, sep, low = 0, 2, 3  # content ids 3..63: <unk>, the pieces and <mask>, never <s> <pad> </s>
    else:
        cls, sep, low = 2, 3, 5  # content ids 5..63: the word pieces

    def content(n):
        return torch.randint(low, VOCAB, (n,), generator=g).tolist()

    seqs = []
    for length in LENGTHS:
        if length == 1:
            ids, tt = [cls], [0]
        elif length < 13:
            ids = [cls] + content(length - 2) + [sep]
            tt = [0] * length
        else:
            # A pair: the first segment takes about half.
            a = (length - 3) // 2
            if roberta:
                b = length - 4 - a
                ids = [cls] + content(a) + [sep, sep] + content(b) + [sep]
                tt = [0] * length
            else:
                b = length - 3 - a
                ids = [cls] + content(a) + [sep] + content(b) + [sep]
                tt = [0] * (a + 2) + [1 if types else 0] * (b + 1)
        assert len(ids) == length and len(tt) == length
        seqs.append({"ids": ids, "type_ids": tt})
    if roberta:
        # One extra sequence with <pad> in the middle: it pins HF's position rule (the pad sits at position pad,
        # the tokens after it continue the count without it). No attention mask: the pad token is attended to.
        ids = [cls] + content(3) + [1] + content(3) + [sep]
        seqs.append({"ids": ids, "type_ids": [0] * len(ids)})
    return seqs


# ---------------------------------------------------------------------------------------------------- reference

def activation(name):
    if name == "gelu":
        return F.gelu  # erf
    if name == "gelu_new":
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu
    raise ValueError(name)


def torch_layer(sd, names, eps, act, dtype):
    q, k, v, o, ln1, f1, f2, ln2 = names
    layer = torch.nn.TransformerEncoderLayer(HIDDEN, HEADS, INTERMEDIATE, dropout=0.0, activation=activation(act),
                                             layer_norm_eps=eps, batch_first=True, norm_first=False)
    layer.eval()

    def t(name):
        return sd[name].to(dtype)

    # Old TF names carry gamma/beta; the layer's LayerNorm tensor names come from the state dict as written.
    def ln(name):
        if name + ".weight" in sd:
            return t(name + ".weight"), t(name + ".bias")
        return t(name + ".gamma"), t(name + ".beta")

    state = {
        "self_attn.in_proj_weight": torch.cat([t(q + ".weight"), t(k + ".weight"), t(v + ".weight")]),
        "self_attn.in_proj_bias": torch.cat([t(q + ".bias"), t(k + ".bias"), t(v + ".bias")]),
        "self_attn.out_proj.weight": t(o + ".weight"),
        "self_attn.out_proj.bias": t(o + ".bias"),
        "linear1.weight": t(f1 + ".weight"),
        "linear1.bias": t(f1 + ".bias"),
        "linear2.weight": t(f2 + ".weight"),
        "linear2.bias": t(f2 + ".bias"),
    }
    state["norm1.weight"], state["norm1.bias"] = ln(ln1)
    state["norm2.weight"], state["norm2.bias"] = ln(ln2)
    layer = layer.to(dtype)
    missing, unexpected = layer.load_state_dict(state, strict=True)
    assert not missing and not unexpected
    return layer


def forward(sd, model, seqs, dtype):
    """Runs every sequence alone; returns {output name: tensor concatenated over tokens (or sequences)}."""
    p, (w_suffix, b_suffix) = model["prefix"], model["norm"]

    def t(name):
        return sd[name].to(dtype)

    layers = [torch_layer(sd, names, model["eps"], model["act"], dtype) for names in model["layers"]]
    out = collections.defaultdict(list)
    with torch.no_grad():
        for s in seqs:
            ids = torch.tensor(s["ids"])
            n = len(s["ids"])
            if model["kind"] == "roberta":
                pad = model["pad"]
                mask = (ids != pad).long()
                positions = torch.cumsum(mask, dim=0) * mask + pad
            else:
                positions = torch.arange(n)
            x = F.embedding(ids, t(p + "word_embeddings.weight"))
            if model["kind"] != "distilbert":
                x = x + F.embedding(torch.tensor(s["type_ids"]), t(p + "token_type_embeddings.weight"))
            x = x + F.embedding(positions, t(p + "position_embeddings.weight"))
            width = x.shape[-1]
            x = F.layer_norm(x, (width,), t(p + "LayerNorm" + w_suffix), t(p + "LayerNorm" + b_suffix),
                             model["eps"])
            if model["projection"]:
                out["embedding_layernorm_output"].append(x)
                x = F.linear(x, t(model["projection"] + ".weight"), t(model["projection"] + ".bias"))
            out["embedding_output"].append(x)
            h = x.unsqueeze(0)
            for k, layer in enumerate(layers):
                h = layer(h)
                out[f"layer_output.{k}"].append(h[0])
            out["last_hidden_state"].append(h[0])
            if model["pooler"]:
                pooled = torch.tanh(F.linear(h[0, :1], t(model["pooler"] + ".weight"), t(model["pooler"] + ".bias")))
                out["pooler_output"].append(pooled)
    order = ["last_hidden_state", "embedding_output", "embedding_layernorm_output"] + \
            [f"layer_output.{k}" for k in range(len(layers))] + ["pooler_output"]
    return collections.OrderedDict((name, torch.cat(out[name])) for name in order if name in out)


# ---------------------------------------------------------------------------------------------------- main

CASES = [
    ("bert", 1001, lambda: bert_case(old_names=False)),
    ("bert-old-names", 1002, lambda: bert_case(old_names=True)),
    ("distilbert", 1003, lambda: distilbert_case("gelu", prefixed=True)),
    ("distilbert-relu", 1004, lambda: distilbert_case("relu", prefixed=False)),
    ("roberta", 1005, lambda: roberta_case("roberta")),
    ("xlm-roberta", 1006, lambda: roberta_case("xlm-roberta")),
    ("camembert", 1007, lambda: roberta_case("camembert")),
    ("albert", 1008, lambda: albert_case(3, 1, 1)),
    ("albert-groups", 1009, lambda: albert_case(4, 2, 2)),
    ("electra", 1010, lambda: electra_case()),
]


def main():
    if os.path.isdir(root):
        for entry in os.listdir(root):
            if os.path.isdir(os.path.join(root, entry)):
                shutil.rmtree(os.path.join(root, entry))
    for case, seed, build in CASES:
        torch.manual_seed(seed)  # the global RNG only seeds TransformerEncoderLayer's init, overwritten at load
        layout, config, model, vocab = build()
        assert len(vocab) == VOCAB
        sd = fill(layout, seed)
        seqs = make_inputs(seed + 500, model["kind"] == "roberta", model["types"])
        if model["kind"] == "roberta":
            assert all(i != model["pad"] for s in seqs[:len(LENGTHS)] for i in s["ids"])
        expected = forward(sd, model, seqs, torch.float64)
        single = forward(sd, model, seqs, torch.float32)
        drift = max((expected[k] - single[k].double()).abs().max().item() for k in expected)
        expected = collections.OrderedDict((k, v.to(torch.float32)) for k, v in expected.items())

        folder = os.path.join(root, case)
        os.makedirs(folder)
        write_config(os.path.join(folder, "config.json"), config)
        write_safetensors(os.path.join(folder, "model.safetensors"), sd)
        torch.save(sd, os.path.join(folder, "pytorch_model.bin"), _use_new_zipfile_serialization=True)
        with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(w + "\n" for w in vocab))
        with open(os.path.join(folder, "inputs.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(seqs) + "\n")
        write_safetensors(os.path.join(folder, "expected.safetensors"), expected)
        tokens = sum(len(s["ids"]) for s in seqs)
        print(f"{case:16} {len(sd):3} tensors, {len(model['layers'])} layer applications, {tokens} tokens, "
              f"float32 vs float64 max |diff| {drift:.2e}")


if __name__ == "__main__":
    main()
