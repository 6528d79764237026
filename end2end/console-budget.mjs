#!/usr/bin/env node
// Time to interactive of the console's card table for a merchant with 1,000 cards, in headless
// Chromium: starts the real server on a fresh SQLite database, issues the cards through the API,
// signs the sandbox owner in, then loads /console/cards with an empty cache several times. The
// page is a few files per lazy route's chunk, so it is measured over both protocols a browser
// meets: plain HTTP/1.1 (six connections, files one after another on each) and HTTPS with
// HTTP/2 (all files on one connection, as behind a TLS load balancer), each on loopback and at
// 1.6 Mbps with 150 ms latency. "Interactive" is the moment the bundle has hydrated the page (the
// body's `data-hydrated` mark). Prints numbers; asserts nothing.
//
// Usage (from end2end/): node console-budget.mjs [runs] [cards]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const runs = Number(process.argv[2] ?? 7);
const cards = Number(process.argv[3] ?? 1000);
const port = Number(process.env.CARDKIT_BUDGET_PORT ?? 3428);
const dir = mkdtempSync(join(tmpdir(), 'cardkit-console-budget-'));
const dataDir = join(dir, 'data');
// A throw-away certificate for the HTTPS server (Chromium is told to accept it).
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
  '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1',
  '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
], { stdio: 'ignore' });

/** The server on the one data folder; with `tls`, serving HTTPS (and HTTP/2 to browsers). */
const startServer = (tls) =>
  spawn(
    '../target/debug/cardkit',
    [
      '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--site-root', '../target/site', '--stage-delay-ms', '0',
      ...(tls ? ['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')] : []),
    ],
    { stdio: 'ignore' },
  );
const stopServer = (server) =>
  new Promise((resolve) => {
    if (server.exitCode !== null) return resolve();
    server.once('exit', resolve);
    server.kill('SIGTERM');
  });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const THROTTLED = { offline: false, latency: 150, downloadThroughput: (1.6 * 1000 * 1000) / 8, uploadThroughput: (750 * 1000) / 8 };
const ms = (value) => `${value.toFixed(0)} ms`;
let server = startServer(false);
let browser;
try {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    if (i > 200) throw new Error('the server did not start');
    await sleep(100);
  }
  const key = readFileSync(join(dataDir, 'sandbox-api-key'), 'utf8').trim();

  // 1,000 cards, eight requests in flight. The API key's rate limit may answer 429 when the
  // machine is fast; nothing was created then, so the card is asked for again after Retry-After.
  let next = 0;
  const issue = async () => {
    while (next < cards) {
      const n = next++;
      for (;;) {
        const response = await fetch(`${base}/api/v1/cards/card/add`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ email: `buyer${n}@shop.example`, limit_all_time: 5 }),
        });
        if (response.status === 429) {
          await response.arrayBuffer();
          const wait = Number(response.headers.get('retry-after') ?? 1);
          await new Promise((resolve) => setTimeout(resolve, Math.max(wait, 1) * 1000));
          continue;
        }
        if (!response.ok) throw new Error(`card ${n}: ${response.status} ${await response.text()}`);
        break;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, issue));

  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (path) => path && existsSync(path),
  );
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });

  await measure(browser, base, 'HTTP/1.1');
  await stopServer(server);
  server = startServer(true);
  const secure = `https://127.0.0.1:${port}`;
  const probe = await browser.newContext({ ignoreHTTPSErrors: true });
  for (let i = 0; ; i++) {
    try {
      if ((await probe.request.get(`${secure}/readyz`)).ok()) break;
    } catch {}
    if (i > 200) throw new Error('the HTTPS server did not start');
    await sleep(100);
  }
  await probe.close();
  await measure(browser, secure, 'HTTPS, HTTP/2');
} finally {
  await browser?.close();
  await stopServer(server);
  rmSync(dir, { recursive: true, force: true });
}

/** Signs in at `base`, then loads the card table `runs` times on loopback and three times
 * throttled, each with an empty cache, and prints the figures. */
async function measure(browser, base, protocol) {
  const [email, password] = readFileSync(join(dataDir, 'sandbox-console-login'), 'utf8').trim().split('\n');
  const signIn = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await signIn.newPage();
  await page.goto(`${base}/console/sign-in`);
  await page.fill('#sign-in-email', email);
  await page.fill('#sign-in-password', password);
  await Promise.all([page.waitForURL(`${base}/console`), page.click('button[type=submit]')]);
  const storageState = await signIn.storageState();
  await signIn.close();

  for (const [network, conditions, times] of [['loopback', null, runs], ['1.6 Mbps, 150 ms', THROTTLED, Math.min(runs, 3)]]) {
    const interactive = [];
    const contentLoaded = [];
    let rows = 0;
    let files = 0;
    let version = '';
    for (let run = 0; run < times; run++) {
      const context = await browser.newContext({ storageState, ignoreHTTPSErrors: true }); // signed in, empty cache
      const page = await context.newPage();
      if (conditions) {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', conditions);
      }
      await page.addInitScript(() => {
        new MutationObserver(() => {
          if (document.body?.dataset.hydrated === 'true' && window.__interactiveAt === undefined) {
            window.__interactiveAt = performance.now();
          }
        }).observe(document, { subtree: true, attributes: true, childList: true });
      });
      await page.goto(`${base}/console/cards`, { timeout: 60_000 });
      await page.waitForSelector('body[data-hydrated="true"]', { timeout: 60_000 });
      const timing = await page.evaluate(() => ({
        interactive: window.__interactiveAt,
        contentLoaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
        rows: document.querySelectorAll('tr[data-card-id]').length,
        files: performance.getEntriesByType('resource').filter((entry) => /\.(wasm|js)$/.test(entry.name)).length,
        version: performance.getEntriesByType('navigation')[0].nextHopProtocol,
      }));
      interactive.push(timing.interactive);
      contentLoaded.push(timing.contentLoaded);
      ({ rows, files, version } = timing);
      await context.close();
    }
    console.log(
      `console card table, ${cards} cards (${rows} rows a page, ${files} JS/WASM files), time to interactive ` +
        `(${protocol} [${version}], ${network}, Chromium, cold cache, ${times} runs):`,
    );
    console.log(`  interactive:      median ${ms(median(interactive))}, min ${ms(Math.min(...interactive))}, max ${ms(Math.max(...interactive))}`);
    console.log(`  DOMContentLoaded: median ${ms(median(contentLoaded))}`);
  }
}
