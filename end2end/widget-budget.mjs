#!/usr/bin/env node
// What it costs a partner page to show the widget, in headless Chromium: starts the real server on
// a fresh SQLite database, mints a widget session, serves a partner page from another origin that
// embeds the widget with widget.js, and loads it several times, cold (empty cache) and warm (the
// same browser again), on localhost and on a throttled link (1.6 Mbps down, 750 kbps up, 150 ms
// latency: Chromium's network emulation). "Interactive" is the moment the widget's submit button
// is enabled, which happens when its WASM has hydrated the frame; "transferred" is every byte the
// page and its frame received (headers and bodies, compressed as sent). Prints numbers; asserts
// nothing.
//
// The frame is kept in the page's process (site isolation off) so that one DevTools session sees
// and throttles the frame's requests too.
//
// Usage (from end2end/): node widget-budget.mjs [runs]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const runs = Number(process.argv[2] ?? 5);
const port = Number(process.env.CARDKIT_BUDGET_PORT ?? 3427);
const partnerPort = port + 1;
const base = `http://127.0.0.1:${port}`;
const partner = `http://localhost:${partnerPort}`;
const binary = process.env.CARDKIT_BUDGET_BINARY ?? '../target/debug/cardkit';
const siteRoot = process.env.CARDKIT_BUDGET_SITE ?? '../target/site';
const dataDir = mkdtempSync(join(tmpdir(), 'cardkit-budget-'));
const server = spawn(binary, ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--site-root', siteRoot], {
  stdio: 'ignore',
});

const THROTTLED = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1000 * 1000) / 8,
  uploadThroughput: (750 * 1000) / 8,
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const partnerPage = (token) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner shop</title></head>
<body>
  <h1>Partner shop</h1>
  <div data-cardkit-widget data-session="${token}"></div>
  <script src="${base}/widget.js" async></script>
</body></html>`;

/// One visit of the partner page: ms until the widget is interactive, bytes received.
async function visit(page, cdp, token) {
  let transferred = 0;
  const finished = (event) => (transferred += event.encodedDataLength);
  cdp.on('Network.loadingFinished', finished);
  const started = Date.now();
  await page.goto(`${partner}/?session=${encodeURIComponent(token)}`);
  await page
    .frameLocator('[data-cardkit-widget] iframe')
    .locator('[data-testid="create-card"]:not([disabled])')
    .waitFor({ timeout: 60_000 });
  const interactive = Date.now() - started;
  await sleep(200); // the last loadingFinished events
  cdp.off('Network.loadingFinished', finished);
  return { interactive, transferred };
}

let partnerServer;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    if (i > 200) throw new Error('the server did not start');
    await sleep(100);
  }
  const key = readFileSync(join(dataDir, 'sandbox-api-key'), 'utf8').trim();
  const minted = await fetch(`${base}/api/widget/v1/sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ allowed_origins: [partner] }),
  });
  const { session_token: token } = await minted.json();
  partnerServer = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(partnerPage(new URL(request.url, partner).searchParams.get('session') ?? ''));
  });
  await new Promise((resolve) => partnerServer.listen(partnerPort, 'localhost', resolve));

  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (path) => path && existsSync(path),
  );
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-site-isolation-trials', '--disable-features=IsolateOrigins,site-per-process'],
  });
  console.log(`widget on a partner page (headless Chromium, ${runs} runs each, medians):`);
  console.log(`${'network'.padEnd(34)}${'cache'.padEnd(7)}${'interactive'.padStart(13)}${'transferred'.padStart(14)}`);
  for (const [network, conditions] of [
    ['localhost', undefined],
    ['1.6 Mbps / 150 ms', THROTTLED],
  ]) {
    const results = { cold: [], warm: [] };
    for (let run = 0; run < runs; run++) {
      const context = await browser.newContext(); // an empty cache
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Network.enable');
      if (conditions) await cdp.send('Network.emulateNetworkConditions', conditions);
      results.cold.push(await visit(page, cdp, token));
      results.warm.push(await visit(page, cdp, token));
      await context.close();
    }
    for (const cache of ['cold', 'warm']) {
      const interactive = median(results[cache].map((result) => result.interactive));
      const transferred = median(results[cache].map((result) => result.transferred));
      console.log(
        `${network.padEnd(34)}${cache.padEnd(7)}${`${interactive} ms`.padStart(13)}${`${(transferred / 1024).toFixed(1)} KB`.padStart(14)}`,
      );
    }
  }
  await browser.close();
} finally {
  partnerServer?.close();
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
