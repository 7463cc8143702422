#!/usr/bin/env node
// Writes the decode fixture with HuggingFace tokenizers (npm `tokenizers`, pinned in package.json): what HF's
// `decode` gives back for ids HF encoded, with and without skip_special_tokens, for every tokenizer kind `serve`
// loads. The C# /decode route must give the same strings (tests/Bert.Gpu.Tests/Cli/Serve/TokenDecoderTests.cs).
//
// Usage (from tests/oracle, after `npm ci`):
//   node gen-decodes.js              # rewrite tests/data/tokenizer/decodes.jsonl in place
//   node gen-decodes.js --out DIR    # write DIR/decodes.jsonl instead, to `cmp` with the committed one
//
// Inputs (only committed files, so this needs nothing but npm):
//   tests/data/tokenizer/pipelines/*.tokenizer.json   byte-level BPE, ##/</w> BPE, Unigram, Metaspace, decoderless;
//   tests/data/families/*/tokenizer.json              the RoBERTa-family checkpoints' files;
//   tests/data/families/*/vocab.txt without a tokenizer.json, and tests/data/tokenizer/vocab-uncased.txt (cased and
//                                                     uncased): BERT's WordPiece as transformers' BertTokenizerFast
//                                                     builds it from a vocab.txt (its WordPiece decoder cleans up);
//   tests/data/tokenizer/fortunes.jsonl, stress.jsonl a few lines each (contractions, punctuation, accents, CJK,
//                                                     emoji, special-token text), plus one line of added tokens.
// Output: rows {tokenizer, lowercase?, text, ids, skip, keep}: `tokenizer` is a path under tests/data (a
// tokenizer.json, or a vocab.txt read as BERT's with `lowercase`), `skip`/`keep` HF's decode of `ids` with
// skip_special_tokens true/false. Deterministic: the same inputs and package version give byte-identical files.
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const data = path.join(__dirname, '..', 'data');
const outIndex = process.argv.indexOf('--out');
const output = path.join(outIndex > 0 ? process.argv[outIndex + 1] : path.join(data, 'tokenizer'), 'decodes.jsonl');

const readTexts = (file) => fs.readFileSync(path.join(data, 'tokenizer', file), 'utf8')
  .split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
const fortunes = readTexts('fortunes.jsonl');
const stress = readTexts('stress.jsonl');
const pick = (lines, pattern, count) => lines.filter((t) => pattern.test(t)).slice(0, count);
// Every added token of the files here, non-special ones included (bytelevel's "fortune cookie", bpe-subword's
// "Fortune Cookie", unigram-features' ＦＵＬＬ), so skip_special_tokens is seen dropping exactly the special ones.
const addedTokens = 'a fortune cookie, a Fortune Cookie, ＦＵＬＬ <mask> <s> </s> <pad> <unk> <|endoftext|> [CLS] [SEP] [MASK] [UNK] [PAD] x';
const texts = [
  ...pick(fortunes, /n't|'s |'ll |'m /, 3),
  ...pick(stress, /Café|我爱|emoji|Hello,World|\[CLS\]|^\$ \+|«quotes»|if \(a|Tiếng|Привет|   /, 12),
  addedTokens,
];
// The family checkpoints' vocabularies are 64 made-up syllables, so fortune text is all unknowns there: they get
// syllable text too, with the punctuation and contractions WordPiece's cleanup rewrites.
const familyTexts = ['ba bebi bo, du! fa ? ga\'s ge n\'t', 'Mo mu ##na ne ni. <mask> la', ...texts.slice(0, 2), addedTokens];

// transformers' BertTokenizerFast from a vocab.txt (no tokenizer_config.json means do_lower_case true).
function bertJson(vocabFile, lowercase) {
  const vocab = fs.readFileSync(vocabFile, 'utf8').split(/\r?\n/);
  if (vocab[vocab.length - 1] === '') vocab.pop();
  const ids = Object.fromEntries(vocab.map((token, i) => [token, i]));
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].filter((t) => t in ids);
  const tok = (name, typeId) => ({ SpecialToken: { id: name, type_id: typeId } });
  const seq = (name, typeId) => ({ Sequence: { id: name, type_id: typeId } });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special.map((content) => ({
      id: ids[content], content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
      pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [ids[t]], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids },
  });
}

async function rows(name, json, lines, extra = {}) {
  const tokenizer = tk.Tokenizer.fromString(json);
  const result = [];
  for (const text of lines) {
    const ids = (await tokenizer.encode(text)).getIds();
    const skip = await tokenizer.decode(ids, true);
    const keep = await tokenizer.decode(ids, false);
    result.push({ tokenizer: name, ...extra, text, ids, skip, keep });
  }
  return result;
}

(async () => {
  const out = [];
  const pipelines = path.join(data, 'tokenizer', 'pipelines');
  for (const file of fs.readdirSync(pipelines).filter((f) => f.endsWith('.tokenizer.json')).sort()) {
    out.push(...await rows(`tokenizer/pipelines/${file}`, fs.readFileSync(path.join(pipelines, file), 'utf8'), texts));
  }
  for (const lowercase of [true, false]) {
    out.push(...await rows('tokenizer/vocab-uncased.txt', bertJson(path.join(data, 'tokenizer', 'vocab-uncased.txt'), lowercase), texts, { lowercase }));
  }
  const families = path.join(data, 'families');
  for (const name of fs.readdirSync(families).filter((f) => fs.statSync(path.join(families, f)).isDirectory()).sort()) {
    const dir = path.join(families, name);
    if (fs.existsSync(path.join(dir, 'tokenizer.json'))) {
      out.push(...await rows(`families/${name}/tokenizer.json`, fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8'), familyTexts));
    } else {
      out.push(...await rows(`families/${name}/vocab.txt`, bertJson(path.join(dir, 'vocab.txt'), true), familyTexts, { lowercase: true }));
    }
  }
  fs.writeFileSync(output, out.map((r) => JSON.stringify(r) + '\n').join(''));
  console.log(`${path.relative(process.cwd(), output)}: ${out.length} rows`);
})();
