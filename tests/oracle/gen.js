#!/usr/bin/env node
// Writes the tokenizer fixtures and Unicode tables with HuggingFace tokenizers (npm `tokenizers`, pinned in
// package.json), the reference our C# BertTokenizer must match id for id.
//
// Usage (from tests/oracle):
//   npm ci
//   node gen.js                       # rewrite the committed files in place
//   node gen.js --out /tmp/tok        # write them under /tmp/tok instead, then compare, e.g.
//   for f in fixture.jsonl heldout.jsonl codepoints.txt HfCharTables.g.cs; do
//     cmp /tmp/tok/$f <committed copy of $f>; done
//
// Inputs (always read from tests/data/tokenizer): vocab-uncased.txt (bert-base-uncased's vocab.txt),
// fortunes.jsonl and fortunes-heldout.jsonl (made by select-fortunes.js), stress.jsonl (hand-made). Every
// *.jsonl input line is one JSON string, so control characters and newlines survive.
// Outputs (deterministic: the same inputs and package version give byte-identical files):
//   tests/data/tokenizer/fixture.jsonl   rows {text, pair?, max_length?, uncased: {ids, type_ids},
//                                        cased: {ids, type_ids}} for fortunes + stress texts: singles
//                                        untruncated, singles truncated at 128 and 512 where that cuts,
//                                        pairs truncated longest_first at 32 (short texts) and at
//                                        32 and 128 (pairs with a long text);
//   tests/data/tokenizer/heldout.jsonl   the same for fortunes-heldout.jsonl (uncased and cased, singles
//                                        untruncated and pairs at 32);
//   tests/data/tokenizer/codepoints.txt  what each BERT step does to every Unicode scalar value alone;
//   src/Bert.Gpu/Tokenization/HfCharTables.g.cs  the same data as the compact C# tables the product uses.
// --out DIR puts all four files in DIR.
'use strict';
const fs = require('fs');
const path = require('path');
const tk = require('tokenizers');

const repo = path.join(__dirname, '..', '..');
const dataDir = path.join(repo, 'tests', 'data', 'tokenizer');
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? process.argv[outIndex + 1] : null;
const outPath = (committed) => (outDir ? path.join(outDir, path.basename(committed)) : committed);
const version = require('tokenizers/package.json').version;

const readTexts = (file) => fs.readFileSync(path.join(dataDir, file), 'utf8')
  .split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
const vocab = fs.readFileSync(path.join(dataDir, 'vocab-uncased.txt'), 'utf8').split(/\r?\n/);
if (vocab[vocab.length - 1] === '') vocab.pop();

// The shape of a real BERT tokenizer.json (bert-base-uncased's), special tokens included as added tokens.
function tokenizerJson(lowercase) {
  const id = (token) => vocab.indexOf(token);
  const special = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((content) => ({
    id: id(content), content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
  }));
  const seq = (name, typeId) => ({ Sequence: { id: name, type_id: typeId } });
  const tok = (name, typeId) => ({ SpecialToken: { id: name, type_id: typeId } });
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special,
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0)],
      pair: [tok('[CLS]', 0), seq('A', 0), tok('[SEP]', 0), seq('B', 1), tok('[SEP]', 1)],
      special_tokens: Object.fromEntries(['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }])),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((token, i) => [token, i])),
    },
  });
}

const configs = { uncased: tk.Tokenizer.fromString(tokenizerJson(true)), cased: tk.Tokenizer.fromString(tokenizerJson(false)) };

async function encode(tokenizer, text, pair, maxLength) {
  if (maxLength === undefined) tokenizer.disableTruncation();
  else tokenizer.setTruncation(maxLength, { strategy: 'LongestFirst' });
  const e = await tokenizer.encode(text, pair === undefined ? null : pair);
  return { ids: e.getIds(), type_ids: e.getTypeIds() };
}

async function row(text, pair, maxLength) {
  const r = { text };
  if (pair !== undefined) r.pair = pair;
  if (maxLength !== undefined) r.max_length = maxLength;
  for (const [name, tokenizer] of Object.entries(configs)) r[name] = await encode(tokenizer, text, pair, maxLength);
  return r;
}

// Lines too long to write by hand: 2,000+ tokens of prose, of stress text, and one huge word.
function syntheticTexts(fortunes, stress) {
  return [
    'the quick brown fox jumps over the lazy dog. '.repeat(250),
    fortunes.slice(0, 150).join(' '),
    stress.join(' ').repeat(4),
    'x'.repeat(5000),
  ];
}

async function fixtureRows(texts, singleMaxLengths, pairGroups) {
  const rows = [];
  for (const text of texts) {
    const full = await row(text);
    rows.push(full);
    for (const max of singleMaxLengths) {
      if (Math.max(full.uncased.ids.length, full.cased.ids.length) > max) rows.push(await row(text, undefined, max));
    }
  }
  for (const [pairs, maxLengths] of pairGroups) for (const [a, b] of pairs) for (const max of maxLengths) rows.push(await row(a, b, max));
  return rows;
}

// Neighbours, plus short-with-long and long-with-short, so every branch of longest_first is taken.
function pairsOf(texts, count) {
  const pairs = [];
  for (let i = 0; i + 1 < texts.length && pairs.length < count; i += 2) pairs.push([texts[i], texts[i + 1]]);
  return pairs;
}

const writeJsonl = (file, rows) => fs.writeFileSync(outPath(file), rows.map((r) => JSON.stringify(r) + '\n').join(''));

// ---- per-code-point probe ------------------------------------------------------------------------------
const step = (c, h, s, l) => tk.bertNormalizer({ cleanText: c, handleChineseChars: h, stripAccents: s, lowercase: l });
const steps = {
  clean: step(true, false, false, false),
  chinese: step(false, true, false, false),
  strip: step(false, false, true, false),
  lower: step(false, false, false, true),
};
const splitter = tk.bertPreTokenizer();

const cps = (s) => [...s].map((c) => c.codePointAt(0));
const hex = (n) => n.toString(16).toUpperCase().padStart(4, '0');

function probe() {
  const result = { clean: [], chinese: [], strip: [], lower: [], split: [] };
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    for (const [name, normalizer] of Object.entries(steps)) {
      const out = normalizer.normalizeString(c);
      const kind = out === c ? 'keep' : out === '' ? 'drop' : out === ' ' ? 'space' : out === ` ${c} ` ? 'pad' : '=' + cps(out).map(hex).join(' ');
      result[name].push([cp, kind]);
    }
    const pieces = splitter.preTokenizeString('a' + c + 'a').length;
    result.split.push([cp, pieces === 1 ? 'word' : pieces === 2 ? 'ws' : pieces === 3 ? 'punct' : `?${pieces}`]);
  }
  return result;
}

// Merges neighbouring code points of the same non-mapping kind into [first, last, kind] runs.
function runs(entries) {
  const out = [];
  for (const [cp, kind] of entries) {
    const last = out[out.length - 1];
    const adjacent = last && (last[1] + 1 === cp || (last[1] === 0xd7ff && cp === 0xe000));
    if (last && adjacent && last[2] === kind && !kind.startsWith('=')) last[1] = cp;
    else out.push([cp, cp, kind]);
  }
  return out;
}

function codepointsText(probed) {
  const lines = [
    `# Written by tests/oracle/gen.js with HuggingFace tokenizers ${version}; do not edit.`,
    '# What each BERT step does to every Unicode scalar value on its own (surrogates D800-DFFF skipped).',
    '# Line: STEP FIRST[-LAST] RESULT, code points in hex. Steps run alone, everything else off:',
    '#   clean = clean_text, chinese = handle_chinese_chars, strip = strip_accents, lower = lowercase',
    '#   (BertNormalizer); split = BertPreTokenizer on "a" + c + "a".',
    '# Results: keep (unchanged), drop (deleted), space (becomes " "), pad (becomes " c "), =X Y (becomes',
    '#   those code points); for split: word (stays inside the word), ws (splits, removed), punct (isolated).',
  ];
  for (const name of Object.keys(probed)) {
    for (const [first, last, kind] of runs(probed[name])) {
      lines.push(`${name} ${hex(first)}${first === last ? '' : '-' + hex(last)} ${kind}`);
    }
  }
  return lines.join('\n') + '\n';
}

// ---- C# tables -----------------------------------------------------------------------------------------
const hangul = (cp) => {
  const s = cp - 0xac00;
  const out = [0x1100 + Math.floor(s / 588), 0x1161 + Math.floor((s % 588) / 28)];
  if (s % 28 !== 0) out.push(0x11a7 + (s % 28));
  return out;
};

function rangesOf(entries, kind) {
  return runs(entries.filter(([, k]) => k === kind).map(([cp]) => [cp, kind])).flatMap(([a, b]) => [a, b]);
}

function csArray(name, doc, values) {
  const body = [];
  for (let i = 0; i < values.length; i += 12) body.push('        ' + values.slice(i, i + 12).map((v) => (v < 0 ? '-0x' : '0x') + hex(Math.abs(v))).join(', ') + ',');
  return [
    `    /// <summary>${doc}</summary>`,
    `    internal static ReadOnlySpan<int> ${name} =>`,
    '    [',
    ...body,
    '    ];',
  ].join('\n');
}

function tablesCs(probed) {
  const mapping = (entries) => entries.filter(([, k]) => k.startsWith('=')).map(([cp, k]) => [cp, k.slice(1).split(' ').map((h) => parseInt(h, 16))]);
  for (const [name, entries] of Object.entries(probed)) {
    const unexpected = entries.find(([, k]) => k.startsWith('?') || (name !== 'strip' && name !== 'lower' && k.startsWith('=')));
    if (unexpected) throw new Error(`${name} ${hex(unexpected[0])}: unexpected result ${unexpected[1]}; the C# tables cannot express it`);
  }
  // Hangul syllables decompose by formula (computed in C#); the table keeps only what the formula misses.
  const decompositions = mapping(probed.strip)
    .filter(([cp, to]) => !(cp >= 0xac00 && cp <= 0xd7a3 && to.join() === hangul(cp).join()))
    .flatMap(([cp, to]) => [cp, to.length, ...to]);
  // Lowercase runs: first, last, step, delta (same delta every step-th code point); longer results apart.
  const lowerRuns = [];
  const lowerExpansions = [];
  for (const [cp, to] of mapping(probed.lower)) {
    if (to.length !== 1) { lowerExpansions.push(cp, to.length, ...to); continue; }
    const delta = to[0] - cp;
    const r = lowerRuns[lowerRuns.length - 1];
    const single = r && r[0] === r[1];
    if (r && r[3] === delta && (single ? cp - r[1] <= 2 : cp - r[1] === r[2])) {
      if (single) r[2] = cp - r[1];
      r[1] = cp;
    } else lowerRuns.push([cp, cp, 1, delta]);
  }
  const lines = [
    `// <auto-generated>Written by tests/oracle/gen.js from HuggingFace tokenizers ${version}; do not edit.</auto-generated>`,
    '// HF\'s Rust code classifies characters with its own (older or newer) Unicode tables, not .NET\'s, so the',
    '// product uses these, measured from HF itself code point by code point; codepoints.txt holds the same data',
    '// and a test checks every code point against it.',
    'namespace Bert.Gpu.Tokenization;',
    '',
    '/// <summary>Character data of HuggingFace tokenizers\' BERT normalizer and pre-tokenizer.</summary>',
    'internal static class HfCharTables',
    '{',
    csArray('Dropped', 'Code points clean_text deletes, as inclusive first/last pairs.', rangesOf(probed.clean, 'drop')),
    '',
    csArray('CleanedToSpace', 'Code points clean_text turns into a space, as inclusive first/last pairs.', rangesOf(probed.clean, 'space')),
    '',
    csArray('Chinese', 'Code points handle_chinese_chars surrounds with spaces, as inclusive first/last pairs.', rangesOf(probed.chinese, 'pad')),
    '',
    csArray('Stripped', 'Code points strip_accents deletes (nonspacing marks), as inclusive first/last pairs.', rangesOf(probed.strip, 'drop')),
    '',
    csArray('Decompositions', 'strip_accents replacements other than Hangul syllables: code point, count, replacement code points.', decompositions),
    '',
    csArray('LowercaseRuns', 'lowercase to one code point: first, last, step, delta (every step-th code point from first to last maps to itself + delta).', lowerRuns.flat()),
    '',
    csArray('LowercaseExpansions', 'lowercase to several code points: code point, count, replacement code points.', lowerExpansions),
    '',
    csArray('SplitWhitespace', 'Code points the pre-tokenizer splits on and removes, as inclusive first/last pairs.', rangesOf(probed.split, 'ws')),
    '',
    csArray('Punctuation', 'Code points the pre-tokenizer isolates as single-character words, as inclusive first/last pairs.', rangesOf(probed.split, 'punct')),
    '}',
  ];
  return lines.join('\n') + '\n';
}

async function main() {
  if (outDir) fs.mkdirSync(outDir, { recursive: true });
  const fortunes = readTexts('fortunes.jsonl');
  const stress = readTexts('stress.jsonl');
  const heldout = readTexts('fortunes-heldout.jsonl');
  const texts = [...fortunes, ...stress, ...syntheticTexts(fortunes, stress)];
  const short = fortunes.filter((t) => t.length < 200);
  const long = [...fortunes.filter((t) => t.length >= 1000), ...stress.slice(0, 20)];
  // Short neighbours fit 128 anyway, so they are cut at 32 only; pairs with long texts at both lengths.
  const shortPairs = [...pairsOf(short, 300), ...pairsOf(stress, 30)];
  const longPairs = [
    ...long.slice(0, 20).map((t, i) => [short[i], t]),
    ...long.slice(20, 40).map((t, i) => [t, short[i + 20]]),
    ...pairsOf(long, 20),
  ];
  writeJsonl(path.join(dataDir, 'fixture.jsonl'), await fixtureRows(texts, [128, 512], [[shortPairs, [32]], [longPairs, [32, 128]]]));
  writeJsonl(path.join(dataDir, 'heldout.jsonl'), await fixtureRows(heldout, [], [[pairsOf(heldout, 150), [32]]]));
  const probed = probe();
  fs.writeFileSync(outPath(path.join(dataDir, 'codepoints.txt')), codepointsText(probed));
  fs.writeFileSync(outPath(path.join(repo, 'src', 'Bert.Gpu', 'Tokenization', 'HfCharTables.g.cs')), tablesCs(probed));
}

main().catch((e) => { console.error(e); process.exit(1); });
