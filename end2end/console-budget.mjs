#!/usr/bin/env node
// Time to interactive of the console's card table for a merchant with 1,000 cards, on localhost
// in headless Chromium: starts the real server on a fresh SQLite database, issues the cards
// through the API, signs the sandbox owner in, then loads /console/cards with an empty cache
// several times. "Interactive" is the moment the bundle has hydrated the page (the body's
// `data-hydrated` mark). Prints numbers; asserts nothing.
//
// Usage (from end2end/): node console-budget.mjs [runs] [cards]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const runs = Number(process.argv[2] ?? 7);
const cards = Number(process.argv[3] ?? 1000);
const port = Number(process.env.CARDKIT_BUDGET_PORT ?? 3428);
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'cardkit-console-budget-'));
const server = spawn(
  '../target/debug/cardkit',
  ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--site-root', '../target/site', '--stage-delay-ms', '0'],
  { stdio: 'ignore' },
);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    if (i > 200) throw new Error('the server did not start');
    await sleep(100);
  }
  const key = readFileSync(join(dataDir, 'sandbox-api-key'), 'utf8').trim();
  const [email, password] = readFileSync(join(dataDir, 'sandbox-console-login'), 'utf8').trim().split('\n');

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
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  const signIn = await browser.newContext();
  const page = await signIn.newPage();
  await page.goto(`${base}/console/sign-in`);
  await page.fill('#sign-in-email', email);
  await page.fill('#sign-in-password', password);
  await Promise.all([page.waitForURL(`${base}/console`), page.click('button[type=submit]')]);
  const storageState = await signIn.storageState();
  await signIn.close();

  const interactive = [];
  const contentLoaded = [];
  let rows = 0;
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ storageState }); // signed in, empty cache
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver(() => {
        if (document.body?.dataset.hydrated === 'true' && window.__interactiveAt === undefined) {
          window.__interactiveAt = performance.now();
        }
      }).observe(document, { subtree: true, attributes: true, childList: true });
    });
    await page.goto(`${base}/console/cards`);
    await page.waitForSelector('body[data-hydrated="true"]');
    const timing = await page.evaluate(() => ({
      interactive: window.__interactiveAt,
      contentLoaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
      rows: document.querySelectorAll('tr[data-card-id]').length,
    }));
    interactive.push(timing.interactive);
    contentLoaded.push(timing.contentLoaded);
    rows = timing.rows;
    await context.close();
  }
  await browser.close();
  const ms = (value) => `${value.toFixed(0)} ms`;
  console.log(`console card table, ${cards} cards (${rows} rows a page), time to interactive (localhost, Chromium, cold cache, ${runs} runs):`);
  console.log(`  interactive:      median ${ms(median(interactive))}, min ${ms(Math.min(...interactive))}, max ${ms(Math.max(...interactive))}`);
  console.log(`  DOMContentLoaded: median ${ms(median(contentLoaded))}`);
} finally {
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
