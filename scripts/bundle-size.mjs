#!/usr/bin/env node
// Prints the browser bundle's size (raw, gzip -9, brotli q11) per file and in total, so the
// number can be tracked from build to build, and against a budget when one is given.
// Usage: node scripts/bundle-size.mjs [pkg dir] [name] [budget in KB, brotli, wasm + js]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'target/site/pkg';
const name = process.argv[3] ?? 'cardkit';
const budgetKb = process.argv[4] ? Number(process.argv[4]) : undefined;
// The build gives the files content-hashed names, listed in bundles.json.
const manifest = join(dir, 'bundles.json');
const base = existsSync(manifest) ? (JSON.parse(readFileSync(manifest, 'utf8'))[name] ?? name) : name;
const files = [`${base}_bg.wasm`, `${base}.js`, `${base}.css`];

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`.padStart(10);
const measure = (file) => {
  const data = readFileSync(join(dir, file));
  return {
    file,
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length,
  };
};

const rows = files.map(measure);
const wasmAndJs = rows.slice(0, 2).reduce(
  (sum, row) => ({ file: 'wasm + js', raw: sum.raw + row.raw, gzip: sum.gzip + row.gzip, brotli: sum.brotli + row.brotli }),
  { raw: 0, gzip: 0, brotli: 0 },
);
console.log(`\n${name}`);
console.log(`${'file'.padEnd(44)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
for (const row of [...rows, wasmAndJs]) {
  console.log(`${row.file.padEnd(44)}${kb(row.raw)}${kb(row.gzip)}${kb(row.brotli)}`);
}
if (budgetKb !== undefined) {
  const used = wasmAndJs.brotli / 1024;
  const verdict = used <= budgetKb ? 'within budget' : 'OVER BUDGET';
  console.log(`budget: wasm + js ${used.toFixed(1)} KB brotli of ${budgetKb} KB: ${verdict}`);
  // Over budget fails the run: printed only, it went over unnoticed once.
  if (used > budgetKb) process.exitCode = 1;
}
