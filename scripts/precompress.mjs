#!/usr/bin/env node
// Writes a brotli (`.br`, quality 11) and a gzip (`.gz`, level 9) sibling next to every JS, WASM
// and CSS file of a folder and its subfolders (a split bundle is a folder of its own), so the server sends the smallest encoding a browser accepts without
// compressing on each request (it serves them with tower-http's `precompressed_br/gzip`).
//
// Usage: node scripts/precompress.mjs <dir>
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: precompress.mjs <dir>');
  process.exit(2);
}

const files = readdirSync(dir, { recursive: true }).filter((file) => /\.(js|wasm|css)$/.test(file)).sort();
for (const file of files) {
  const data = readFileSync(join(dir, file));
  const brotli = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      [constants.BROTLI_PARAM_MODE]: file.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
    },
  });
  const gzip = gzipSync(data, { level: 9 });
  writeFileSync(join(dir, `${file}.br`), brotli);
  writeFileSync(join(dir, `${file}.gz`), gzip);
  console.log(`    ${file}: ${data.length} B raw, ${gzip.length} B gzip, ${brotli.length} B brotli`);
}
