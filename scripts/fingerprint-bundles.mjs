#!/usr/bin/env node
// Gives each browser bundle content-hashed names, so a browser can keep its files for a year and a
// deploy can never pair old WASM with a new server, nor one build's chunks with another's:
// - a bundle in one piece, `<name>.js`, `<name>_bg.wasm` and `<name>.css`, becomes
//   `<name>.<hash>.js`, `<name>.<hash>_bg.wasm` and `<name>.<hash>.css`, one hash over the three;
// - a bundle split into lazily loaded chunks is a folder, `<name>/`, whose files find each other
//   by relative names: the folder becomes `<name>.<hash>/`, one hash over all its files.
// The server learns the names from `bundles.json` in the same folder, which this writes.
// Hashed files of earlier builds are removed.
//
// Usage: node scripts/fingerprint-bundles.mjs <pkg dir> <name>...
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, ...names] = process.argv.slice(2);
if (!dir || names.length === 0) {
  console.error('usage: fingerprint-bundles.mjs <pkg dir> <name>...');
  process.exit(2);
}

const HASH_LENGTH = 16;
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const manifestPath = join(dir, 'bundles.json');
const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : {};

for (const name of names) {
  const folder = join(dir, name);
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    const hash = createHash('sha256');
    for (const file of readdirSync(folder).sort()) {
      hash.update(file);
      hash.update(readFileSync(join(folder, file)));
    }
    const hashed = `${name}.${hash.digest('hex').slice(0, HASH_LENGTH)}`;
    // Earlier builds' folders, and the flat files of builds from before the bundle was split.
    const earlier = new RegExp(`^${escape(name)}\\.[0-9a-f]{${HASH_LENGTH}}((\\.js|_bg\\.wasm|\\.css)(\\.br|\\.gz)?)?$`);
    for (const file of readdirSync(dir)) {
      if (earlier.test(file)) rmSync(join(dir, file), { recursive: true });
    }
    renameSync(folder, join(dir, hashed));
    manifest[name] = `${hashed}/`;
    console.log(`    ${name}/ -> ${hashed}/`);
    continue;
  }
  const js = join(dir, `${name}.js`);
  const wasm = join(dir, `${name}_bg.wasm`);
  const css = join(dir, `${name}.css`);
  const hash = createHash('sha256');
  for (const file of [js, wasm, css]) hash.update(readFileSync(file));
  const hashed = `${name}.${hash.digest('hex').slice(0, HASH_LENGTH)}`;

  // Only this name's earlier hashed files: `cardkit.` must not match `cardkit-widget.`'s.
  const earlier = new RegExp(`^${escape(name)}\\.[0-9a-f]{${HASH_LENGTH}}(\\.js|_bg\\.wasm|\\.css)(\\.br|\\.gz)?$`);
  for (const file of readdirSync(dir)) {
    if (earlier.test(file)) rmSync(join(dir, file));
  }

  // The JS glue names its WASM file as a fallback when it is not given a path; keep it true.
  const glue = readFileSync(js, 'utf8').replaceAll(`${name}_bg.wasm`, `${hashed}_bg.wasm`);
  writeFileSync(join(dir, `${hashed}.js`), glue);
  rmSync(js);
  renameSync(wasm, join(dir, `${hashed}_bg.wasm`));
  renameSync(css, join(dir, `${hashed}.css`));
  manifest[name] = hashed;
  console.log(`    ${name} -> ${hashed}`);
}

writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
