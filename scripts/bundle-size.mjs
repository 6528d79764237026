#!/usr/bin/env node
// Prints a browser bundle's size (raw, gzip -9, brotli q11) per file and in total, so the number
// can be tracked from build to build, and against a budget when one is given.
//
// A bundle in one piece (the widget) is its `.wasm`, `.js` and `.css`; the budget is its WASM + JS.
// A bundle split into lazily loaded parts (the console: a folder, see build-site.sh) is measured
// as a browser meets it: the first load of a page is the main module, its JS, the chunk loader,
// and the files of the part the page is in (from the split manifest, the same list the server
// names in the page for preloading). The budget is the largest first load of any page.
//
// Usage: node scripts/bundle-size.mjs [pkg dir] [name] [budget in KB, brotli]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'target/site/pkg';
const name = process.argv[3] ?? 'cardkit';
const budgetKb = process.argv[4] ? Number(process.argv[4]) : undefined;
// The build gives the files content-hashed names, listed in bundles.json.
const bundles = join(dir, 'bundles.json');
const located = existsSync(bundles) ? (JSON.parse(readFileSync(bundles, 'utf8'))[name] ?? name) : name;

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`.padStart(10);
const measure = (folder, file) => {
  const data = readFileSync(join(folder, file));
  return {
    file,
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length,
  };
};
const sum = (label, rows) =>
  rows.reduce((total, row) => ({ ...total, raw: total.raw + row.raw, gzip: total.gzip + row.gzip, brotli: total.brotli + row.brotli }), {
    file: label,
    raw: 0,
    gzip: 0,
    brotli: 0,
  });
const header = (first) => console.log(`${first.padEnd(52)}${'raw'.padStart(10)}${'gzip'.padStart(10)}${'brotli'.padStart(10)}`);
const print = (row) => console.log(`${row.file.padEnd(52)}${kb(row.raw)}${kb(row.gzip)}${kb(row.brotli)}`);

let budgeted;
console.log(`\n${name}`);
if (located.endsWith('/')) {
  const folder = join(dir, located);
  const files = readdirSync(folder).filter((file) => /\.(wasm|js|css)$/.test(file)).sort();
  const rows = new Map(files.map((file) => [file, measure(folder, file)]));
  header('file');
  for (const row of rows.values()) print(row);
  print(sum('all wasm + js', [...rows.values()].filter((row) => !row.file.endsWith('.css'))));

  const loader = files.find((file) => file.startsWith('__wasm_split.'));
  const main = [`${name}_bg.wasm`, `${name}.js`, ...(loader ? [loader] : [])].map((file) => rows.get(file));
  const splits = JSON.parse(readFileSync(join(folder, '__wasm_split_manifest.json'), 'utf8'));
  console.log('\nfirst load of a page: main module + JS + loader + the files of its lazy part');
  header('lazy part');
  print(sum('(main alone)', main));
  const loads = Object.entries(splits)
    .map(([split, modules]) => sum(split.replace(/_\d+$/, ''), [...main, ...modules.map((module) => rows.get(`${module}.wasm`))]))
    .sort((a, b) => b.brotli - a.brotli);
  for (const load of loads) print(load);
  budgeted = loads[0] ?? sum('(main alone)', main);
  console.log(`largest first load: ${budgeted.file}`);
} else {
  const rows = [`${located}_bg.wasm`, `${located}.js`, `${located}.css`].map((file) => measure(dir, file));
  header('file');
  budgeted = sum('wasm + js', rows.slice(0, 2));
  for (const row of [...rows, budgeted]) print(row);
}
if (budgetKb !== undefined) {
  const used = budgeted.brotli / 1024;
  const verdict = used <= budgetKb ? 'within budget' : 'OVER BUDGET';
  console.log(`budget: ${used.toFixed(1)} KB brotli of ${budgetKb} KB: ${verdict}`);
  // Over budget fails the run: printed only, it went over unnoticed once.
  if (used > budgetKb) process.exitCode = 1;
}
