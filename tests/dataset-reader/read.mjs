// DuckDB (not Parquet.Net, which wrote the files) reads the folder of an `embed --shard` job as one Parquet dataset,
// as any user would (`FROM 'DIR/*.parquet'`), and writes its rows in input_index order as raw little-endian float32
// to OUT: byte for byte the data of the single run's .npy after its 128-byte header, if the dataset is right.
// Usage: node read.mjs DIR OUT ROWS WIDTH
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';

const [dir, out, rows, width] = process.argv.slice(2);
const connection = await (await DuckDBInstance.create(':memory:')).connect();
const glob = `'${dir.replaceAll("'", "''")}/*.parquet'`;
const check = await connection.runAndReadAll(
  `SELECT count(*)::BIGINT, count(DISTINCT input_index)::BIGINT, min(input_index), max(input_index),
          min(len(embedding)), max(len(embedding)) FROM read_parquet(${glob})`);
const [count, distinct, first, last, shortest, longest] = check.getRows()[0].map(Number);
const expected = [Number(rows), Number(rows), 0, Number(rows) - 1, Number(width), Number(width)];
if ([count, distinct, first, last, shortest, longest].some((v, i) => v !== expected[i])) {
  console.error(`FAIL: DuckDB reads ${dir} as ${count} rows (${distinct} distinct input_index ${first}..${last}), embeddings of ${shortest}..${longest} floats; expected ${rows} rows 0..${rows - 1} of ${width}`);
  process.exit(1);
}
const models = await connection.runAndReadAll(
  `SELECT count(DISTINCT value) FROM parquet_kv_metadata(${glob}) WHERE key = 'bert_gpu.identity'`);
if (Number(models.getRows()[0][0]) !== 1) {
  console.error(`FAIL: the parts of ${dir} do not all carry one bert_gpu.identity`);
  process.exit(1);
}
const result = await connection.runAndReadAll(`SELECT embedding FROM read_parquet(${glob}) ORDER BY input_index`);
const values = new Float32Array(count * width);
let at = 0;
for (const [embedding] of result.getRows())
  for (const value of embedding.items)
    values[at++] = value;
writeFileSync(out, Buffer.from(values.buffer));
console.log(`DuckDB read ${dir}: ${count} rows in input order, ${width} floats each, one bert_gpu.identity`);
