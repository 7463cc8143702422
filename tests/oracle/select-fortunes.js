#!/usr/bin/env node
// Picks the fortune texts of the tokenizer corpus from Debian's `fortunes` package, deterministically.
// Run once by hand (the output is committed, so CI needs neither this script nor the package):
//   apt-get install fortunes && node select-fortunes.js [fortunes-dir] [out-dir]
// defaults: /usr/share/games/fortunes and ../data/tokenizer. Writes one JSON string per line, so tabs and
// any other character survive:
//   fortunes.jsonl          every 4th line (0-based line index % 4 == 0, '%' separators and empty lines
//                           skipped) of computers, perl, law, linux, knghtbrd, ascii-art, plus the first 40 whole
//                           entries of songs-poems longer than 1,000 characters (newlines kept), which
//                           exercise truncation at 128 and 512 tokens;
//   fortunes-heldout.jsonl  every 4th line of zippy, startrek, wisdom, pratchett: kept out of development,
//                           checked only by the held-out test.
'use strict';
const fs = require('fs');
const path = require('path');

const src = process.argv[2] || '/usr/share/games/fortunes';
const out = process.argv[3] || path.join(__dirname, '..', 'data', 'tokenizer');

const read = (name) => fs.readFileSync(path.join(src, name), 'utf8').split('\n');
const everyNth = (names, n) => names.flatMap((name) =>
  read(name).filter((line, i) => i % n === 0 && line !== '%' && line.trim() !== ''));
const longEntries = (name, minChars, count) => read(name).join('\n').split('\n%\n')
  .filter((entry) => entry.length > minChars).slice(0, count);
const write = (file, texts) => {
  fs.writeFileSync(path.join(out, file), texts.map((t) => JSON.stringify(t) + '\n').join(''));
  console.log(`${file}: ${texts.length} texts`);
};

write('fortunes.jsonl', [
  ...everyNth(['computers', 'perl', 'law', 'linux', 'knghtbrd', 'ascii-art'], 4),
  ...longEntries('songs-poems', 1000, 40),
]);
write('fortunes-heldout.jsonl', everyNth(['zippy', 'startrek', 'wisdom', 'pratchett'], 4));
