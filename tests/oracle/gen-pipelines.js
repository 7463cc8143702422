#!/usr/bin/env node
// Writes the tokenizer.json pipelines other than BERT's (byte-level BPE, Unigram), their fixtures, and the character
// tables their C# components use, with HuggingFace tokenizers (npm `tokenizers`, pinned in package.json).
//
// Usage (from tests/oracle, after `npm ci`):
//   node gen-pipelines.js              # rewrite the committed files in place
//   node gen-pipelines.js --out DIR    # write them all flat under DIR instead, to `cmp` with the committed ones
//
// Inputs (tests/data/tokenizer): fortunes.jsonl, stress.jsonl (see gen.js). The Unigram models are trained on
// fortunes.jsonl by sentencepiece_models.py (run from here; needs Debian's python3-sentencepiece).
// Outputs (deterministic: the same inputs and package version give byte-identical files):
//   tests/data/tokenizer/pipelines/NAME.tokenizer.json   the pipeline, exactly the string HF loaded;
//   tests/data/tokenizer/pipelines/NAME.jsonl            rows {text, pair?, max_length?, ids, type_ids,
//                                                        offsets}: offsets flattened [start, end, ...] in
//                                                        UTF-16 code units (HF's npm binding gives Unicode
//                                                        scalar values; converted here);
//   src/Bert.Gpu/Tokenization/PreTokenizers/HfRegexTables.g.cs  the GPT-2 pattern's \p{L}, \p{N} and \s as
//                                                        HF's Oniguruma classifies every code point.
// NAME: roberta (byte-level BPE trained below on fortunes.jsonl, RoBERTa's pipeline), bytelevel (the same merges in
// GPT-2's pipeline, fixtures on a sixth of the fortune lines, short pairs only), bert-uncased (offsets of BERT's
// pipeline on vocab-uncased.txt, as gen.js builds it; only the fixture is written), xlmr (a 4,000-piece SentencePiece
// Unigram model with nmt_nfkc's precompiled_charsmap in XLM-R's pipeline; xlmr.sentencepiece.jsonl holds
// SentencePiece's own ids for a quarter of the fortune lines and the stress lines, and whether HF agrees).
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const repo = path.join(__dirname, '..', '..');
const dataDir = path.join(repo, 'tests', 'data', 'tokenizer');
const pipelineDir = path.join(dataDir, 'pipelines');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? process.argv[outIndex + 1] : null;
const outPath = (committed) => (outDir ? path.join(outDir, path.basename(committed)) : committed);
const version = require('tokenizers/package.json').version;

const readTexts = (file) => fs.readFileSync(path.join(dataDir, file), 'utf8')
  .split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
const hex = (n) => n.toString(16).toUpperCase().padStart(4, '0');

// ---- byte-level BPE, trained here ----------------------------------------------------------------------
// Plain BPE training over the words HF's own ByteLevel pre-tokenizer produces: count adjacent symbol pairs, merge
// the most frequent (ties: the smaller pair string), repeat. Deterministic, unlike a hash-ordered trainer.
function trainBpe(texts, mergeCount) {
  const preTokenizer = tk.byteLevelPreTokenizer(false, true);
  const counts = new Map();
  for (const text of texts) for (const [word] of preTokenizer.preTokenizeString(text)) counts.set(word, (counts.get(word) || 0) + 1);
  const words = [...counts.keys()].sort().map((w) => ({ symbols: [...w], count: counts.get(w) }));
  const merges = [];
  while (merges.length < mergeCount) {
    const pairs = new Map();
    for (const w of words) {
      for (let i = 0; i + 1 < w.symbols.length; i++) {
        const key = w.symbols[i] + ' ' + w.symbols[i + 1];
        pairs.set(key, (pairs.get(key) || 0) + w.count);
      }
    }
    let best = null;
    let bestCount = 1;
    for (const [key, count] of pairs) if (count > bestCount || (count === bestCount && best !== null && key < best)) { best = key; bestCount = count; }
    if (best === null) break;
    const [a, b] = best.split(' ');
    merges.push([a, b]);
    for (const w of words) {
      const out = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i + 1 < w.symbols.length && w.symbols[i] === a && w.symbols[i + 1] === b) { out.push(a + b); i++; } else out.push(w.symbols[i]);
      }
      w.symbols = out;
    }
  }
  return merges;
}

// RoBERTa's tokenizer.json shape (roberta-base): <s> <pad> </s> <unk> first, the byte alphabet and merges, <mask>
// last with lstrip; ByteLevel pre-tokenizer without a prefix space; RobertaProcessing.
function robertaJson(merges) {
  const specials = ['<s>', '<pad>', '</s>', '<unk>'];
  const vocab = {};
  const add = (token) => { if (!(token in vocab)) vocab[token] = Object.keys(vocab).length; };
  specials.forEach(add);
  [...tk.byteLevelAlphabet()].sort().forEach(add);
  for (const [a, b] of merges) add(a + b);
  add('<mask>');
  const added = (content, lstrip, normalized) => ({
    id: vocab[content], content, single_word: false, lstrip, rstrip: false, normalized, special: true,
  });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...specials.map((t) => added(t, false, true)), added('<mask>', true, false)],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: {
      type: 'RobertaProcessing', sep: ['</s>', vocab['</s>']], cls: ['<s>', vocab['<s>']], trim_offsets: true, add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false,
      byte_fallback: false, ignore_merges: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  });
}

// GPT-2's shape on the same merges: a prefix space, the ByteLevel post-processor (no special tokens, type ids by
// text), merges in tokenizer.json's newer [a, b] form, and an added token that is not special.
function byteLevelJson(merges) {
  const vocab = {};
  const add = (token) => { if (!(token in vocab)) vocab[token] = Object.keys(vocab).length; };
  [...tk.byteLevelAlphabet()].sort().forEach(add);
  for (const [a, b] of merges) add(a + b);
  add('<|endoftext|>');
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: vocab['<|endoftext|>'], content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: Object.keys(vocab).length, content: 'fortune cookie', single_word: true, lstrip: false, rstrip: true, normalized: true, special: false },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false,
      byte_fallback: false, vocab, merges,
    },
  });
}

// bert-base-uncased's tokenizer.json (as gen.js builds it) for the offsets of BertTokenizer; the C# test builds the
// same tokenizer from vocab-uncased.txt, so this file is not written out.
function bertUncasedJson() {
  const vocab = fs.readFileSync(path.join(dataDir, 'vocab-uncased.txt'), 'utf8').split(/\r?\n/);
  if (vocab[vocab.length - 1] === '') vocab.pop();
  const id = (token) => vocab.indexOf(token);
  const tok = (name, typeId) => ({ SpecialToken: { id: name, type_id: typeId } });
  const seq = (name, typeId) => ({ Sequence: { id: name, type_id: typeId } });
  return JSON.stringify({
    version: '1.0',
    added_tokens: ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => ({
      id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
      pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    model: {
      type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, i) => [token, i])),
    },
  });
}

// ---- Unigram, from SentencePiece ----------------------------------------------------------------------
// sentencepiece_models.py trains the models (and encodes texts with SentencePiece for the second opinion).
function sentencePieceModels(request) {
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'spm-'));
  try {
    fs.writeFileSync(path.join(dir, 'request.json'), JSON.stringify(request));
    require('child_process').execFileSync('/usr/bin/python3', [path.join(__dirname, 'sentencepiece_models.py'), path.join(dir, 'request.json'), path.join(dir, 'result.json')], { stdio: 'inherit' });
    return JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const template = (pieces) => pieces.map(([kind, id, typeId]) => (kind === '$' ? { Sequence: { id, type_id: typeId } } : { SpecialToken: { id, type_id: typeId } }));
const specialTokens = (vocab, names) => Object.fromEntries(names.map((t) => [t, { id: t, ids: [vocab.indexOf(t)], tokens: [t] }]));
const addedToken = (vocab, content, lstrip) => ({ id: vocab.indexOf(content), content, single_word: false, lstrip, rstrip: false, normalized: false, special: true });

// xlm-roberta-base's shape (transformers' XLMRobertaConverter): fairseq's <s> <pad> </s> <unk> ahead of the pieces
// (SentencePiece's own <unk> <s> </s> dropped), <mask> last; Precompiled then Replace(" {2,}"); Metaspace.
function xlmrJson(model) {
  const vocab = [['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0], ...model.pieces.slice(3).map(([p, score]) => [p, score]), ['<mask>', 0]];
  const tokens = vocab.map(([t]) => t);
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...['<s>', '<pad>', '</s>', '<unk>'].map((t) => addedToken(tokens, t, false)), addedToken(tokens, '<mask>', true)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Precompiled', precompiled_charsmap: model.precompiled_charsmap },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: template([['<s>', '<s>', 0], ['$', 'A', 0], ['</s>', '</s>', 0]]),
      pair: template([['<s>', '<s>', 0], ['$', 'A', 0], ['</s>', '</s>', 0], ['</s>', '</s>', 0], ['$', 'B', 0], ['</s>', '</s>', 0]]),
      special_tokens: specialTokens(tokens, ['<s>', '</s>']),
    },
    decoder: { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  });
}

// SentencePiece's ids of each text in the XLM-R vocabulary (fairseq's offset: piece k is k + 1, <unk> is 3), next to
// HF's, as rows {text, ids, agrees}: where SentencePiece agrees with HF, the C# result is checked against both.
async function sentencePieceRows(tokenizer, texts, spIds) {
  const rows = [];
  for (const [i, text] of texts.entries()) {
    const ids = spIds[i].map((id) => (id === 0 ? 3 : id + 1));
    tokenizer.disableTruncation();
    const hf = (await tokenizer.encode(text, null)).getIds().slice(1, -1);
    rows.push({ text, ids, agrees: hf.length === ids.length && hf.every((id, k) => id === ids[k]) });
  }
  return rows;
}

// ---- fixtures -------------------------------------------------------------------------------------------
// HF's npm binding gives offsets in Unicode scalar values; .NET indexes UTF-16 code units.
function unitIndex(text) {
  const index = [0];
  let units = 0;
  for (const c of text) { units += c.length; index.push(units); }
  return index;
}

async function encode(tokenizer, text, pair, maxLength) {
  if (maxLength === undefined) tokenizer.disableTruncation();
  else tokenizer.setTruncation(maxLength, { strategy: 'LongestFirst' });
  const e = await tokenizer.encode(text, pair === undefined ? null : pair);
  const ids = e.getIds();
  const sequences = e.getSequenceIds();
  const index = [unitIndex(text), pair === undefined ? null : unitIndex(pair)];
  const offsets = e.getOffsets().flatMap(([start, end], i) => {
    const units = index[sequences[i] === 1 ? 1 : 0];
    if (end >= units.length) throw new Error(`offset ${end} beyond the text (${JSON.stringify(text).slice(0, 80)})`);
    return [units[start], units[end]];
  });
  return { ids, type_ids: e.getTypeIds(), offsets };
}

async function row(tokenizer, text, pair, maxLength) {
  const r = { text };
  if (pair !== undefined) r.pair = pair;
  if (maxLength !== undefined) r.max_length = maxLength;
  return Object.assign(r, await encode(tokenizer, text, pair, maxLength));
}

const pairsOf = (texts, count) => {
  const pairs = [];
  for (let i = 0; i + 1 < texts.length && pairs.length < count; i += 2) pairs.push([texts[i], texts[i + 1]]);
  return pairs;
};

// Every `every`-th fortune line, three songs, every stress line and a few long texts alone, untruncated and cut at 32 (every fourth
// text; most are shorter anyway), 128 and 512 where that cuts; pairs of short texts at 32, pairs with a text of
// 150-300 tokens at 32 and 128 (every branch of longest_first), stress pairs at 32.
// A secondary pipeline (`full` false) shares the truncation code, so it gets the singles and short pairs only.
async function fixtureRows(tokenizer, fortunes, stress, every, full) {
  const long = fortunes.filter((t) => t.length >= 600).sort((a, b) => a.length - b.length).slice(0, 28);
  const songs = fortunes.filter((t) => t.length >= 1000).slice(0, 3);
  const singles = [...fortunes.filter((t, i) => i % every === 0 && t.length < 1000), ...songs, ...stress, ...(full ? syntheticTexts(fortunes, stress) : [])];
  const rows = [];
  for (const [i, text] of singles.entries()) {
    const full = await row(tokenizer, text);
    rows.push(full);
    for (const max of [32, 128, 512]) if (full.ids.length > max && (max !== 32 || i % 4 === 0)) rows.push(await row(tokenizer, text, undefined, max));
  }
  const short = fortunes.filter((t) => t.length < 200);
  const groups = [
    [pairsOf(short, 120), [32]],
    [pairsOf(stress, 25), [32]],
    [full ? [...long.slice(0, 8).map((t, i) => [short[i], t]), ...long.slice(8, 16).map((t, i) => [t, short[i + 8]]), ...pairsOf(long.slice(16), 6)] : [], [32, 128]],
  ];
  for (const [pairs, maxLengths] of groups) for (const [a, b] of pairs) for (const max of maxLengths) rows.push(await row(tokenizer, a, b, max));
  return rows;
}

function syntheticTexts(fortunes, stress) {
  return [
    'the quick brown fox jumps over the lazy dog. '.repeat(60),
    fortunes.slice(0, 40).join(' '),
    stress.join(' '),
    'x'.repeat(1200),
  ];
}

// ---- HF's Oniguruma classes, measured --------------------------------------------------------------------
// Each code point c is probed inside "a" c "\x01" and "1" c "\x01" (thousands per call): the GPT-2 pattern keeps
// "ac" together iff c is \p{L}, "1c" iff \p{N}; a piece of c alone after "a" means \s (an "other" character joins
// the \x01 after it). U+0020 is the pattern's literal space, which joins letters instead, and is \s.
function probeRegexClasses() {
  const preTokenizer = tk.byteLevelPreTokenizer(false, true);
  const codePoints = [];
  for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) codePoints.push(cp);
  const probe = (prefix, wanted) => {
    const found = new Set();
    for (let b = 0; b < codePoints.length; b += 4096) {
      const chunk = codePoints.slice(b, b + 4096);
      const text = chunk.map((cp) => prefix + String.fromCodePoint(cp) + '\u0001').join('');
      // Offsets are in scalar values, so every probe is three long.
      const pieces = new Set(preTokenizer.preTokenizeString(text).filter(([, [s, e]]) => wanted(s % 3, e - s)).map(([, [s]]) => Math.floor(s / 3)));
      chunk.forEach((cp, i) => { if (pieces.has(i)) found.add(cp); });
    }
    return found;
  };
  const letters = probe('a', (at, length) => at === 0 && length === 2);
  const numbers = probe('1', (at, length) => at === 0 && length === 2);
  const alone = probe('a', (at, length) => at === 1 && length === 1);
  const spaces = new Set([0x20, ...[...alone].filter((cp) => !letters.has(cp) && !numbers.has(cp))]);
  return { letters, numbers, spaces };
}

function ranges(set) {
  const out = [];
  for (const cp of [...set].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && (last[1] + 1 === cp || (last[1] === 0xd7ff && cp === 0xe000))) last[1] = cp;
    else out.push([cp, cp]);
  }
  return out.flat();
}

function csArray(name, doc, values) {
  const body = [];
  for (let i = 0; i < values.length; i += 12) body.push('        ' + values.slice(i, i + 12).map((v) => '0x' + hex(v)).join(', ') + ',');
  return [`    /// <summary>${doc}</summary>`, `    internal static ReadOnlySpan<int> ${name} =>`, '    [', ...body, '    ];'].join('\n');
}

function regexTablesCs(classes) {
  return [
    `// <auto-generated>Written by tests/oracle/gen-pipelines.js from HuggingFace tokenizers ${version}; do not edit.</auto-generated>`,
    '// HF runs the GPT-2 pattern on Oniguruma, whose Unicode tables are neither .NET\'s nor Rust\'s, so the classes are',
    '// measured from HF itself, code point by code point (surrogates skipped), as inclusive first/last pairs.',
    'namespace Bert.Gpu.Tokenization.PreTokenizers;',
    '',
    '/// <summary>Character classes of HF\'s ByteLevel regex.</summary>',
    'internal static class HfRegexTables',
    '{',
    csArray('Letters', 'Code points of \\p{L}.', ranges(classes.letters)),
    '',
    csArray('Numbers', 'Code points of \\p{N}.', ranges(classes.numbers)),
    '',
    csArray('Spaces', 'Code points of \\s.', ranges(classes.spaces)),
    '}',
  ].join('\n') + '\n';
}

// ---- main -------------------------------------------------------------------------------------------------
const writeJsonl = (file, rows) => fs.writeFileSync(outPath(file), rows.map((r) => JSON.stringify(r) + '\n').join(''));

async function writePipeline(name, json, fortunes, stress, every, full, writeJson = true) {
  const tokenizer = tk.Tokenizer.fromString(json);
  if (writeJson) fs.writeFileSync(outPath(path.join(pipelineDir, `${name}.tokenizer.json`)), json + '\n');
  writeJsonl(path.join(pipelineDir, `${name}.jsonl`), await fixtureRows(tokenizer, fortunes, stress, every, full));
}

async function main() {
  fs.mkdirSync(outDir || pipelineDir, { recursive: true });
  const fortunes = readTexts('fortunes.jsonl');
  const stress = readTexts('stress.jsonl');
  const merges = trainBpe(fortunes, 2000);
  await writePipeline('roberta', robertaJson(merges), fortunes, stress, 3, true);
  await writePipeline('bytelevel', byteLevelJson(merges), fortunes, stress, 6, false);
  await writePipeline('bert-uncased', bertUncasedJson(), fortunes, stress, 6, false, false);
  const secondOpinion = [...fortunes.filter((t, i) => i % 4 === 1), ...stress];
  const models = sentencePieceModels({
    corpus: fortunes,
    models: { xlmr: { options: { model_type: 'unigram', vocab_size: 4000, normalization_rule_name: 'nmt_nfkc' } } },
    encode: { xlmr: secondOpinion },
  });
  const xlmr = xlmrJson(models.xlmr);
  await writePipeline('xlmr', xlmr, fortunes, stress, 3, true);
  writeJsonl(path.join(pipelineDir, 'xlmr.sentencepiece.jsonl'), await sentencePieceRows(tk.Tokenizer.fromString(xlmr), secondOpinion, models.xlmr.ids));
  fs.writeFileSync(outPath(path.join(repo, 'src', 'Bert.Gpu', 'Tokenization', 'PreTokenizers', 'HfRegexTables.g.cs')), regexTablesCs(probeRegexClasses()));
}

main().catch((e) => { console.error(e); process.exit(1); });
