#!/usr/bin/env node
// Writes a tokenizer.json beside the vocab.txt of every RoBERTa-family fixture (tests/data/families and
// tests/data/heads: roberta, xlm-roberta, camembert, roberta-seqcls, roberta-mlm, roberta-tokencls, roberta-qa), so
// those folders load as RoBERTa checkpoints do, with RoBERTa's pipeline: ByteLevel pre-tokenizer, a BPE model over
// the fixture's 64 made-up pieces (no merges: the encoder tests feed ids, this only has to be the real shape),
// RobertaProcessing with <s> and </s>.
// HuggingFace tokenizers (npm, pinned in package.json) loads each file and encodes a text before it is written.
//
// Usage (from tests/oracle, after npm ci):  node family-tokenizers.js
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const data = path.join(__dirname, '..', 'data');
const folders = [
  ['families', 'roberta'], ['families', 'xlm-roberta'], ['families', 'camembert'],
  ['heads', 'roberta-seqcls'], ['heads', 'roberta-mlm'], ['heads', 'roberta-tokencls'], ['heads', 'roberta-qa'],
];
const special = ['<s>', '<pad>', '</s>', '<unk>', '<mask>'];

(async () => {
  for (const [set, name] of folders) {
    const dir = path.join(data, set, name);
    const tokens = fs.readFileSync(path.join(dir, 'vocab.txt'), 'utf8').split('\n').filter((t) => t !== '');
    const vocab = Object.fromEntries(tokens.map((t, i) => [t, i]));
    const json = JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: special.map((content) => ({
        id: vocab[content], content, single_word: false, lstrip: content === '<mask>', rstrip: false, normalized: false, special: true,
      })),
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: {
        type: 'RobertaProcessing', sep: ['</s>', vocab['</s>']], cls: ['<s>', vocab['<s>']], trim_offsets: true, add_prefix_space: false,
      },
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null,
        fuse_unk: false, byte_fallback: false, vocab, merges: [],
      },
    }, null, 2) + '\n';
    const encoding = await tk.Tokenizer.fromString(json).encode('ba be <mask>');
    if (encoding.getIds()[0] !== vocab['<s>']) throw new Error(`${name}: HF did not add <s>`);
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), json);
    console.log(`${set}/${name}/tokenizer.json: ${tokens.length} tokens; HF encodes "ba be <mask>" as [${encoding.getIds()}]`);
  }
})();
