#!/usr/bin/python3
"""Writes tests/data/heads/: tiny HuggingFace-style checkpoints that carry task-head weights, with torch's outputs.

Run with Debian's PyTorch (apt-get install python3-torch; the committed files came from torch 1.13 on bookworm):
    /usr/bin/python3 tests/oracle/heads.py
Deterministic like families.py: fixed seeds, one CPU thread, every file byte for byte the same on a rerun.
/usr/bin/python3 tests/oracle/heads_check.py re-derives every expected tensor a second way.

The encoders come from tests/oracle/families.py, imported and used unchanged: its layouts (real tensor names per
family), its seeded fill(), its inputs, its writers, and its forward(), where every layer is
torch.nn.TransformerEncoderLayer loaded from the checkpoint. What this file adds is the head of each task class:
its tensors under the names transformers' modules give them, drawn by fill() from a second generator (seed + 10000)
so that the encoder weights are drawn exactly as families.py would draw them for that seed, and the head's forward
written with torch modules (nn.Linear, nn.LayerNorm, torch.tanh, nn.ReLU, F.gelu, torch.softmax, torch.sigmoid).

The head math follows transformers' modeling code, read in huggingface/transformers (src/transformers/models/...):
  models/bert/modeling_bert.py
    BertPooler.forward                       pooled = tanh(pooler.dense(hidden[:, 0]))
    BertForSequenceClassification.forward    logits = classifier(dropout(pooled))              (BertModel with pooler)
    BertForTokenClassification.forward       logits = classifier(dropout(hidden))  per token   (add_pooling_layer=False)
    BertForQuestionAnswering.forward         start, end = qa_outputs(hidden).split(1, -1)     (add_pooling_layer=False)
    (the token classification and QA heads of the other four families are the same two nn.Linear layers on every
    token, under the same names `classifier` and `qa_outputs`: see the comment above their CASES entries)
    BertPredictionHeadTransform.forward      LayerNorm(ACT2FN[hidden_act](dense(hidden)))      eps = layer_norm_eps
    BertLMPredictionHead.__init__/forward    decoder: Linear(hidden, vocab, bias=False), decoder.bias = self.bias,
                                             decoder.weight tied to word_embeddings            (BertForMaskedLM:
                                             add_pooling_layer=False; _tied_weights_keys =
                                             ["predictions.decoder.bias", "cls.predictions.decoder.weight"])
    BertPreTrainingHeads.forward             prediction = predictions(hidden); seq_relationship(pooled) [.., 2]
    BertForSequenceClassification.forward    problem_type: None -> "regression" if num_labels == 1, else single- or
                                             multi-label by the labels' dtype (only the loss reads it)
  models/roberta/modeling_roberta.py
    RobertaClassificationHead.forward        out_proj(tanh(dense(hidden[:, 0])))              (add_pooling_layer=False)
    RobertaLMHead.forward                    decoder(layer_norm(gelu(dense(hidden)))), gelu = erf, eps = layer_norm_eps,
                                             decoder.bias = self.bias; _tied_weights_keys =
                                             ["lm_head.decoder.weight", "lm_head.decoder.bias"]
  models/distilbert/modeling_distilbert.py
    DistilBertForSequenceClassification.forward   classifier(dropout(ReLU(pre_classifier(hidden[:, 0]))))
    DistilBertForMaskedLM.forward            vocab_projector(vocab_layer_norm(activation(vocab_transform(hidden)))),
                                             activation = get_activation(config.activation), LayerNorm eps 1e-12
                                             (hard-coded), vocab_projector.bias its own; _tied_weights_keys =
                                             ["vocab_projector.weight"]
  models/albert/modeling_albert.py
    AlbertModel.forward                      pooled = pooler_activation(pooler(hidden[:, 0])), tanh
    AlbertForSequenceClassification.forward  classifier(dropout(pooled))
    AlbertMLMHead.forward                    decoder(LayerNorm(activation(dense(hidden)))): dense hidden -> embedding_size,
                                             activation = ACT2FN[hidden_act] (gelu_new), LayerNorm(embedding_size,
                                             eps=layer_norm_eps), decoder [vocab, embedding_size] tied to the word
                                             embeddings, decoder.bias = self.bias; AlbertForMaskedLM:
                                             add_pooling_layer=False; _tied_weights_keys =
                                             ["predictions.decoder.bias", "predictions.decoder.weight"]
  models/electra/modeling_electra.py
    ElectraClassificationHead.forward        out_proj(gelu(dense(hidden[:, 0]))), get_activation("gelu") = erf
    ElectraGeneratorPredictions.forward      LayerNorm(gelu(dense(hidden))): hidden -> embedding_size, eps=layer_norm_eps
    ElectraForMaskedLM.forward               generator_lm_head(generator_predictions(hidden)); generator_lm_head.weight
                                             tied to the word embeddings, its bias its own; _tied_weights_keys =
                                             ["generator_lm_head.weight"]
  modeling_utils.py PreTrainedModel.save_pretrained
    with safe_serialization, tensors sharing storage are de-aliased: of each shared group the names matching
    _tied_weights_keys are dropped, so model.safetensors holds the word embeddings and `cls.predictions.bias` (or
    `lm_head.bias`, `predictions.bias`, `vocab_projector.bias`, `generator_lm_head.bias`) but no decoder weight and
    no decoder.bias alias. torch.save (pytorch_model.bin) keeps the whole state_dict(): the aliases are there,
    sharing storage with the tensors they are tied to.
Dropout is the identity at inference. Since transformers 4.31 `embeddings.position_ids` is a non-persistent buffer,
so these state dicts (unlike tests/data/families/bert) do not carry it.

Each folder holds config.json, model.safetensors, vocab.txt, inputs.json and expected.safetensors (plus
pytorch_model.bin for bert-seqcls and each family's MLM case: bert-mlm, roberta-mlm, distilbert-mlm, albert-mlm,
electra-mlm); expected tensors are concatenated over the sequences:
    last_hidden_state   [tokens, hidden]       the encoder's output (as in tests/data/families)
    pooler_output       [sequences, hidden]    where the head reads the pooled output (BERT, ALBERT)
    head_hidden         [sequences, hidden]    RoBERTa / ELECTRA / DistilBERT classification: after dense + activation
                        [tokens, hidden or embedding_size]   MLM heads: after the transform's LayerNorm
    logits              [sequences, num_labels] / [tokens, num_labels] / [tokens, vocab] / [sequences, 2] (NSP)
    probabilities       as logits: softmax over the labels, sigmoid for multi_label_classification and num_labels 1
    start_logits, end_logits   [tokens]        question answering
    prediction_logits   [tokens, vocab]        bert-nsp (BertForPreTraining): the MLM half
Everything runs in float64 from the fp32 weights and is stored as fp32 (each sequence alone, batch 1, no padding).
"""
import collections
import contextlib
import json
import os
import shutil
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import families as fam  # noqa: E402  (reused as is: nothing in tests/data/families changes)

torch.set_num_threads(1)

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "heads")
H, E, V = fam.HIDDEN, fam.EMBEDDING, fam.VOCAB
HEAD_SEED_OFFSET = 10000  # head tensors: fill() over the head layout from seed + 10000, a generator of their own
# pytorch_model.bin (torch.save of the whole state_dict()) is written where a case says bin=True: one in every
# folder would take tests/data/heads from 1.9 MB to 2.9 MB (about 57 KB each), so it is the MLM case of each family
# (the one whose .bin carries tied aliases, each family under its own names) plus bert-seqcls.
WRITE_BIN_FOR_ALL = False
ENCODER_LAYERS = 1  # families.py's sizes, but one encoder layer (ALBERT: its one shared layer, applied 3 times): the
#                     layer stack is pinned by tests/data/families, and one layer keeps tests/data/heads near 2 MB


@contextlib.contextmanager
def encoder_layers(n):
    """families.py's case builders read its module-level LAYERS when called; set it for the duration of a call."""
    saved, fam.LAYERS = fam.LAYERS, n
    try:
        yield
    finally:
        fam.LAYERS = saved


# ---------------------------------------------------------------------------------------------------- labels

def labels_config(labels, problem_type=None, num_labels=True):
    """id2label / label2id as PretrainedConfig.to_dict writes them (JSON keys are strings), plus num_labels (which
    transformers 4.x computes from id2label and does not write; older configs carry it) and problem_type."""
    out = {"id2label": {str(i): name for i, name in enumerate(labels)},
           "label2id": {name: i for i, name in enumerate(labels)}}
    if num_labels:
        out["num_labels"] = len(labels)
    if problem_type:
        out["problem_type"] = problem_type
    return out


# ---------------------------------------------------------------------------------------------------- bases

def without(layout, *prefixes):
    return collections.OrderedDict((k, v) for k, v in layout.items() if not k.startswith(prefixes))


def base(family, pooler):
    """The family's encoder layout from families.py, minus what the head class does not have: the pooler where it
    builds its base model with add_pooling_layer=False, and the non-persistent position_ids buffer."""
    with encoder_layers(ENCODER_LAYERS):
        if family == "bert":
            layout, config, model, vocab = fam.bert_case(old_names=False)
            pooler_prefix = "bert.pooler."
        elif family == "distilbert":
            layout, config, model, vocab = fam.distilbert_case("gelu", prefixed=True)
            pooler_prefix = None
        elif family == "roberta":
            layout, config, model, vocab = fam.roberta_case("roberta")
            pooler_prefix = None
        elif family == "albert":
            layout, config, model, vocab = fam.albert_case(3, 1, 1)
            pooler_prefix = "albert.pooler."
        elif family == "electra":
            layout, config, model, vocab = fam.electra_case()
            pooler_prefix = None
        else:
            raise ValueError(family)
    assert fam.LAYERS == 2
    layout = without(layout, "bert.embeddings.position_ids")
    if pooler_prefix and not pooler:
        layout = without(layout, pooler_prefix)
        model["pooler"] = None
    assert bool(model["pooler"]) == pooler, family
    return layout, config, model, vocab


def word_embeddings(family):
    return {"bert": "bert.", "distilbert": "distilbert.", "roberta": "roberta.", "albert": "albert.",
            "electra": "electra."}[family] + "embeddings.word_embeddings.weight"


def tied(d, name, source):
    d[name] = ("tied", source)


# ---------------------------------------------------------------------------------------------------- heads
# Each head layout lists the tensors in the order the head module's state_dict() yields them: a module's own
# parameters first (e.g. BertLMPredictionHead.bias), then its children in registration order.

def head_layout(head, family):
    d = collections.OrderedDict()
    we = word_embeddings(family)
    n = head.get("num_labels")
    if head["kind"] == "seqcls":
        if family in ("bert", "albert"):
            fam.linear(d, "classifier", H, n)
        elif family in ("roberta", "electra"):
            fam.linear(d, "classifier.dense", H, H)
            fam.linear(d, "classifier.out_proj", H, n)
        elif family == "distilbert":
            fam.linear(d, "pre_classifier", H, H)
            fam.linear(d, "classifier", H, n)
    elif head["kind"] == "tokencls":
        fam.linear(d, "classifier", H, n)
    elif head["kind"] == "qa":
        fam.linear(d, "qa_outputs", H, 2)
    elif head["kind"] in ("mlm", "pretraining"):
        if family == "bert":
            d["cls.predictions.bias"] = ("bias", (V,))
            fam.linear(d, "cls.predictions.transform.dense", H, H)
            fam.norm(d, "cls.predictions.transform.LayerNorm", H)
            tied(d, "cls.predictions.decoder.weight", we)
            tied(d, "cls.predictions.decoder.bias", "cls.predictions.bias")
            if head["kind"] == "pretraining":
                fam.linear(d, "cls.seq_relationship", H, 2)
        elif family == "roberta":
            d["lm_head.bias"] = ("bias", (V,))
            fam.linear(d, "lm_head.dense", H, H)
            fam.norm(d, "lm_head.layer_norm", H)
            tied(d, "lm_head.decoder.weight", we)
            tied(d, "lm_head.decoder.bias", "lm_head.bias")
        elif family == "distilbert":
            fam.linear(d, "vocab_transform", H, H)
            fam.norm(d, "vocab_layer_norm", H)
            tied(d, "vocab_projector.weight", we)
            d["vocab_projector.bias"] = ("bias", (V,))
        elif family == "albert":
            d["predictions.bias"] = ("bias", (V,))
            fam.norm(d, "predictions.LayerNorm", E)
            fam.linear(d, "predictions.dense", H, E)
            tied(d, "predictions.decoder.weight", we)
            tied(d, "predictions.decoder.bias", "predictions.bias")
        elif family == "electra":
            fam.norm(d, "generator_predictions.LayerNorm", E)
            fam.linear(d, "generator_predictions.dense", H, E)
            tied(d, "generator_lm_head.weight", we)
            d["generator_lm_head.bias"] = ("bias", (V,))
    else:
        raise ValueError(head["kind"])
    return d


# ---------------------------------------------------------------------------------------------------- inputs

def mlm_inputs(seed, roberta, types):
    """families.make_inputs, then about 15% of each sequence's content tokens (at least one, where there is content)
    replaced by the mask token: [MASK] = 4, or <mask> = 63 for RoBERTa."""
    seqs = fam.make_inputs(seed, roberta, types)
    g = torch.Generator().manual_seed(seed + 1)
    mask, specials = (V - 1, {0, 1, 2}) if roberta else (4, {0, 2, 3})
    for s in seqs:
        content = [i for i, t in enumerate(s["ids"]) if t not in specials]
        if not content:
            continue
        count = max(1, round(0.15 * len(content)))
        for j in torch.randperm(len(content), generator=g)[:count].tolist():
            s["ids"][content[j]] = mask
    return seqs


PAIR_LENGTHS = [(1, 1), (2, 4), (3, 7), (4, 12), (5, 16)]  # (query, text) content tokens: 5, 9, 13, 19, 24 in all
# RoBERTa's pairs take one token more (</s></s> between the segments): 6, 10, 14, 19, 24 in all, so the longest
# still fits the 24 positions (RoBERTa's positions run pad + 1 .. pad + 24 of max_position_embeddings 26).
PAIR_LENGTHS_ROBERTA = [(1, 1), (2, 4), (3, 7), (4, 11), (5, 15)]


def pair_inputs(seed, family="bert"):
    """(question, context) pairs as each family's tokenizer encodes them: BERT, ALBERT, ELECTRA
    [CLS] a [SEP] b [SEP] with type ids 0 then 1; DistilBERT the same ids, type ids all 0 (it has no token types and
    its tokenizer returns none); RoBERTa <s> a </s></s> b </s>, type ids all 0, content ids 3..63 as in
    families.make_inputs. BERT's draws are the ones this function made before the other families were added."""
    g = torch.Generator().manual_seed(seed)
    roberta = family == "roberta"
    cls, sep, low = (0, 2, 3) if roberta else (2, 3, 5)
    types = family in ("bert", "albert", "electra")
    seqs = []
    for a, b in (PAIR_LENGTHS_ROBERTA if roberta else PAIR_LENGTHS):
        mid = [sep, sep] if roberta else [sep]
        ids = [cls] + torch.randint(low, V, (a,), generator=g).tolist() + mid + \
              torch.randint(low, V, (b,), generator=g).tolist() + [sep]
        tt = [0] * (a + 1 + len(mid)) + [1 if types else 0] * (b + 1)
        assert len(ids) == len(tt) <= fam.MAX_LEN
        seqs.append({"ids": ids, "type_ids": tt})
    return seqs


# ---------------------------------------------------------------------------------------------------- reference

def torch_linear(sd, name, dtype, weight=None):
    w = sd[weight if weight else name + ".weight"].to(dtype)
    b = sd[name + ".bias"].to(dtype)
    m = torch.nn.Linear(w.shape[1], w.shape[0]).to(dtype)
    m.load_state_dict({"weight": w, "bias": b}, strict=True)
    return m.eval()


def torch_layer_norm(sd, name, eps, dtype):
    w, b = sd[name + ".weight"].to(dtype), sd[name + ".bias"].to(dtype)
    m = torch.nn.LayerNorm(w.shape[0], eps=eps).to(dtype)
    m.load_state_dict({"weight": w, "bias": b}, strict=True)
    return m.eval()


def heads_forward(case, sd, config, model, seqs, dtype):
    family, head = case["family"], case["head"]
    enc = fam.forward(sd, model, seqs, dtype)
    hidden = enc["last_hidden_state"]
    starts = torch.tensor([0] + [len(s["ids"]) for s in seqs[:-1]]).cumsum(0)
    first = hidden[starts]
    out = collections.OrderedDict(last_hidden_state=hidden)
    if "pooler_output" in enc:
        out["pooler_output"] = enc["pooler_output"]
    eps = config.get("layer_norm_eps", 1e-12)
    we = word_embeddings(family)
    with torch.no_grad():
        kind = head["kind"]
        if kind == "seqcls":
            if family in ("bert", "albert"):
                logits = torch_linear(sd, "classifier", dtype)(enc["pooler_output"])
            elif family in ("roberta", "electra"):
                act = torch.tanh if family == "roberta" else F.gelu  # RobertaClassificationHead / ElectraClassificationHead
                x = act(torch_linear(sd, "classifier.dense", dtype)(first))
                out["head_hidden"] = x
                logits = torch_linear(sd, "classifier.out_proj", dtype)(x)
            else:  # distilbert
                x = torch.nn.ReLU()(torch_linear(sd, "pre_classifier", dtype)(first))
                out["head_hidden"] = x
                logits = torch_linear(sd, "classifier", dtype)(x)
            out["logits"] = logits
            multi = head.get("problem_type") == "multi_label_classification" or logits.shape[1] == 1
            out["probabilities"] = torch.sigmoid(logits) if multi else torch.softmax(logits, dim=-1)
        elif kind == "tokencls":
            out["logits"] = torch_linear(sd, "classifier", dtype)(hidden)
            out["probabilities"] = torch.softmax(out["logits"], dim=-1)
        elif kind == "qa":
            start, end = torch_linear(sd, "qa_outputs", dtype)(hidden).split(1, dim=-1)
            out["start_logits"], out["end_logits"] = start.squeeze(-1), end.squeeze(-1)
        elif kind in ("mlm", "pretraining"):
            if family == "bert":
                x = fam.activation(config["hidden_act"])(torch_linear(sd, "cls.predictions.transform.dense", dtype)(hidden))
                x = torch_layer_norm(sd, "cls.predictions.transform.LayerNorm", eps, dtype)(x)
                logits = F.linear(x, sd[we].to(dtype), sd["cls.predictions.bias"].to(dtype))
            elif family == "roberta":
                x = F.gelu(torch_linear(sd, "lm_head.dense", dtype)(hidden))
                x = torch_layer_norm(sd, "lm_head.layer_norm", eps, dtype)(x)
                logits = F.linear(x, sd[we].to(dtype), sd["lm_head.bias"].to(dtype))
            elif family == "distilbert":
                x = fam.activation(config["activation"])(torch_linear(sd, "vocab_transform", dtype)(hidden))
                x = torch_layer_norm(sd, "vocab_layer_norm", 1e-12, dtype)(x)
                logits = torch_linear(sd, "vocab_projector", dtype, weight=we)(x)
            elif family == "albert":
                x = fam.activation(config["hidden_act"])(torch_linear(sd, "predictions.dense", dtype)(hidden))
                x = torch_layer_norm(sd, "predictions.LayerNorm", eps, dtype)(x)
                logits = F.linear(x, sd[we].to(dtype), sd["predictions.bias"].to(dtype))
            else:  # electra
                x = F.gelu(torch_linear(sd, "generator_predictions.dense", dtype)(hidden))
                x = torch_layer_norm(sd, "generator_predictions.LayerNorm", eps, dtype)(x)
                logits = torch_linear(sd, "generator_lm_head", dtype, weight=we)(x)
            out["head_hidden"] = x
            if kind == "mlm":
                out["logits"] = logits
            else:
                out["logits"] = torch_linear(sd, "cls.seq_relationship", dtype)(enc["pooler_output"])
                out["probabilities"] = torch.softmax(out["logits"], dim=-1)
                out["prediction_logits"] = logits
        else:
            raise ValueError(kind)
    return out


# ---------------------------------------------------------------------------------------------------- cases

SST2 = ["NEGATIVE", "POSITIVE"]
MNLI = ["CONTRADICTION", "NEUTRAL", "ENTAILMENT"]
EMOTION = ["sadness", "joy", "love", "anger", "fear", "surprise"]
BIO = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]

CASES = [
    # name, seed, family, architecture, head, inputs, extra config, weight files
    dict(name="bert-seqcls", seed=2001, family="bert", arch="BertForSequenceClassification", pooler=True,
         head=dict(kind="seqcls", num_labels=3, problem_type="single_label_classification"), inputs="single",
         config=labels_config(["negative", "neutral", "positive"], "single_label_classification"), bin=True),
    dict(name="bert-multilabel", seed=2002, family="bert", arch="BertForSequenceClassification", pooler=True,
         head=dict(kind="seqcls", num_labels=4, problem_type="multi_label_classification"), inputs="single",
         config=labels_config(["sports", "politics", "science", "arts"], "multi_label_classification")),
    # A cross-encoder reranker's shape (as cross-encoder/ms-marco-MiniLM-L-6-v2): one label, no problem_type.
    dict(name="bert-regression", seed=2003, family="bert", arch="BertForSequenceClassification", pooler=True,
         head=dict(kind="seqcls", num_labels=1), inputs="pairs", config=labels_config(["LABEL_0"])),
    dict(name="roberta-seqcls", seed=2004, family="roberta", arch="RobertaForSequenceClassification", pooler=False,
         head=dict(kind="seqcls", num_labels=3), inputs="single", config=labels_config(MNLI)),
    # As transformers 4.x writes it: id2label / label2id and no num_labels key.
    dict(name="distilbert-seqcls", seed=2005, family="distilbert", arch="DistilBertForSequenceClassification",
         pooler=False, head=dict(kind="seqcls", num_labels=2), inputs="single",
         config=labels_config(SST2, num_labels=False)),
    # Two labels named LABEL_0 / LABEL_1 equal PretrainedConfig's default, so save_pretrained writes no id2label,
    # label2id or num_labels at all: a reader must default to 2 labels.
    dict(name="albert-seqcls", seed=2006, family="albert", arch="AlbertForSequenceClassification", pooler=True,
         head=dict(kind="seqcls", num_labels=2), inputs="single", config={}),
    dict(name="electra-seqcls", seed=2007, family="electra", arch="ElectraForSequenceClassification", pooler=False,
         head=dict(kind="seqcls", num_labels=6), inputs="single", config=labels_config(EMOTION)),
    dict(name="bert-tokencls", seed=2008, family="bert", arch="BertForTokenClassification", pooler=False,
         head=dict(kind="tokencls", num_labels=5), inputs="single", config=labels_config(BIO)),
    dict(name="bert-qa", seed=2009, family="bert", arch="BertForQuestionAnswering", pooler=False,
         head=dict(kind="qa"), inputs="pairs", config={}),
    dict(name="bert-mlm", seed=2010, family="bert", arch="BertForMaskedLM", pooler=False,
         head=dict(kind="mlm"), inputs="mlm", config={}, bin=True),
    dict(name="roberta-mlm", seed=2011, family="roberta", arch="RobertaForMaskedLM", pooler=False,
         head=dict(kind="mlm"), inputs="mlm", config={}, bin=True),
    dict(name="distilbert-mlm", seed=2012, family="distilbert", arch="DistilBertForMaskedLM", pooler=False,
         head=dict(kind="mlm"), inputs="mlm", config={}, bin=True),
    dict(name="albert-mlm", seed=2013, family="albert", arch="AlbertForMaskedLM", pooler=False,
         head=dict(kind="mlm"), inputs="mlm", config={}, bin=True),
    dict(name="electra-mlm", seed=2014, family="electra", arch="ElectraForMaskedLM", pooler=False,
         head=dict(kind="mlm"), inputs="mlm", config={}, bin=True),
    # BertForPreTraining (the layout of bert-base-uncased): MLM head and cls.seq_relationship on the pooled output.
    dict(name="bert-nsp", seed=2015, family="bert", arch="BertForPreTraining", pooler=True,
         head=dict(kind="pretraining"), inputs="pairs", config={}),
    # Every family with every head: token classification and question answering for the other four families.
    #   models/roberta/modeling_roberta.py  RobertaForTokenClassification.__init__: roberta = RobertaModel(config,
    #       add_pooling_layer=False), classifier = nn.Linear(hidden_size, num_labels); forward:
    #       classifier(dropout(sequence_output)). RobertaForQuestionAnswering.__init__: same base, qa_outputs =
    #       nn.Linear(hidden_size, num_labels) (2); forward: qa_outputs(sequence_output).split(1, -1).
    #   models/distilbert/modeling_distilbert.py  DistilBertForTokenClassification.__init__: distilbert =
    #       DistilBertModel(config) (it has no pooler), classifier = nn.Linear(hidden_size, num_labels);
    #       DistilBertForQuestionAnswering.__init__: qa_outputs = nn.Linear(dim, num_labels), ValueError unless
    #       num_labels == 2; forward: qa_outputs(dropout(hidden_states)).split(1, -1).
    #   models/albert/modeling_albert.py  AlbertForTokenClassification.__init__: albert = AlbertModel(config,
    #       add_pooling_layer=False), classifier = nn.Linear(hidden_size, num_labels) (dropout
    #       classifier_dropout_prob); AlbertForQuestionAnswering.__init__: same base, qa_outputs =
    #       nn.Linear(hidden_size, num_labels).
    #   models/electra/modeling_electra.py  ElectraForTokenClassification.__init__: electra = ElectraModel(config)
    #       (no pooler in ELECTRA), classifier = nn.Linear(hidden_size, num_labels) straight on the discriminator's
    #       hidden states (no dense / gelu as in ElectraClassificationHead); ElectraForQuestionAnswering.__init__:
    #       qa_outputs = nn.Linear(hidden_size, num_labels).
    # The per-token heads read hidden_size, never embedding_size: ALBERT's and ELECTRA's classifier is [5, 32].
    dict(name="roberta-tokencls", seed=2016, family="roberta", arch="RobertaForTokenClassification", pooler=False,
         head=dict(kind="tokencls", num_labels=5), inputs="single", config=labels_config(BIO)),
    dict(name="distilbert-tokencls", seed=2017, family="distilbert", arch="DistilBertForTokenClassification",
         pooler=False, head=dict(kind="tokencls", num_labels=5), inputs="single", config=labels_config(BIO)),
    dict(name="albert-tokencls", seed=2018, family="albert", arch="AlbertForTokenClassification", pooler=False,
         head=dict(kind="tokencls", num_labels=5), inputs="single", config=labels_config(BIO)),
    dict(name="electra-tokencls", seed=2019, family="electra", arch="ElectraForTokenClassification", pooler=False,
         head=dict(kind="tokencls", num_labels=5), inputs="single", config=labels_config(BIO)),
    dict(name="roberta-qa", seed=2020, family="roberta", arch="RobertaForQuestionAnswering", pooler=False,
         head=dict(kind="qa"), inputs="pairs", config={}),
    dict(name="distilbert-qa", seed=2021, family="distilbert", arch="DistilBertForQuestionAnswering", pooler=False,
         head=dict(kind="qa"), inputs="pairs", config={}),
    dict(name="albert-qa", seed=2022, family="albert", arch="AlbertForQuestionAnswering", pooler=False,
         head=dict(kind="qa"), inputs="pairs", config={}),
    dict(name="electra-qa", seed=2023, family="electra", arch="ElectraForQuestionAnswering", pooler=False,
         head=dict(kind="qa"), inputs="pairs", config={}),
]


def build(case):
    layout, config, model, vocab = base(case["family"], case["pooler"])
    heads = head_layout(case["head"], case["family"])
    config = dict(config)
    config["architectures"] = [case["arch"]]
    config.update(case["config"])
    encoder_sd = fam.fill(layout, case["seed"])
    head_sd = fam.fill(collections.OrderedDict((k, v) for k, v in heads.items() if v[0] != "tied"),
                       case["seed"] + HEAD_SEED_OFFSET)
    full = collections.OrderedDict(encoder_sd)
    aliases = []
    for name, (kind, arg) in heads.items():
        if kind == "tied":
            source = full[arg] if arg in full else head_sd[arg]
            full[name] = source.detach()  # a second tensor on the same storage, as Module.state_dict() gives it
            aliases.append(name)
        else:
            full[name] = head_sd[name]
    safe = collections.OrderedDict((k, v) for k, v in full.items() if k not in aliases)
    roberta = model["kind"] == "roberta"
    if case["inputs"] == "single":
        seqs = fam.make_inputs(case["seed"] + 500, roberta, model["types"])
    elif case["inputs"] == "mlm":
        seqs = mlm_inputs(case["seed"] + 500, roberta, model["types"])
    else:
        seqs = pair_inputs(case["seed"] + 500, case["family"])
    return full, safe, aliases, config, model, vocab, seqs


WRITTEN = ("config.json", "model.safetensors", "pytorch_model.bin", "vocab.txt", "inputs.json",
           "expected.safetensors")


def main():
    # Folders that are no case any more go; in a case's folder only the files written here are replaced, so the
    # tokenizer.json that tests/oracle/family-tokenizers.js writes into the RoBERTa folders stays.
    names = {case["name"] for case in CASES}
    if os.path.isdir(root):
        for entry in os.listdir(root):
            path = os.path.join(root, entry)
            if os.path.isdir(path) and entry not in names:
                shutil.rmtree(path)
            elif os.path.isdir(path):
                for name in WRITTEN:
                    if os.path.exists(os.path.join(path, name)):
                        os.remove(os.path.join(path, name))
    os.makedirs(root, exist_ok=True)
    for case in CASES:
        torch.manual_seed(case["seed"])  # only seeds module inits that load_state_dict overwrites
        full, safe, aliases, config, model, vocab, seqs = build(case)
        assert len(vocab) == V
        expected = heads_forward(case, full, config, model, seqs, torch.float64)
        single = heads_forward(case, full, config, model, seqs, torch.float32)
        drift = max((expected[k] - single[k].double()).abs().max().item() for k in expected)
        expected = collections.OrderedDict((k, v.to(torch.float32).contiguous()) for k, v in expected.items())

        folder = os.path.join(root, case["name"])
        os.makedirs(folder, exist_ok=True)
        fam.write_config(os.path.join(folder, "config.json"), config)
        fam.write_safetensors(os.path.join(folder, "model.safetensors"), safe)
        if case.get("bin", WRITE_BIN_FOR_ALL):
            torch.save(full, os.path.join(folder, "pytorch_model.bin"), _use_new_zipfile_serialization=True)
        with open(os.path.join(folder, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("".join(w + "\n" for w in vocab))
        with open(os.path.join(folder, "inputs.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(seqs) + "\n")
        fam.write_safetensors(os.path.join(folder, "expected.safetensors"), expected)
        shapes = ", ".join(f"{k} {list(v.shape)}" for k, v in expected.items() if k != "last_hidden_state")
        print(f"{case['name']:18} {len(safe):3} tensors (+{len(aliases)} tied in the .bin) | {shapes} | "
              f"f32 vs f64 {drift:.1e}")


if __name__ == "__main__":
    main()
