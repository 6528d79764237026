#!/usr/bin/env node
// Time from navigation to an interactive widget form, on localhost in headless Chromium: starts
// the real server on a fresh SQLite database, mints a widget session, and loads the widget page
// with an empty cache several times. "Interactive" is the moment the form's submit button is
// enabled, which happens when the WASM has hydrated the page. Prints numbers; asserts nothing.
//
// Usage (from end2end/): node widget-budget.mjs [runs]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const runs = Number(process.argv[2] ?? 7);
const port = Number(process.env.CARDKIT_BUDGET_PORT ?? 3427);
const base = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), 'cardkit-budget-'));
const server = spawn(
  '../target/debug/cardkit',
  ['--listen', `127.0.0.1:${port}`, '--data-dir', dataDir, '--site-root', '../target/site'],
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
  const minted = await fetch(`${base}/api/widget/v1/sessions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ allowed_origins: ['http://localhost:3418'] }),
  });
  const { session_token: token } = await minted.json();

  const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (path) => path && existsSync(path),
  );
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  const interactive = [];
  const contentLoaded = [];
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext(); // an empty cache every time
    const page = await context.newPage();
    // Stamps the first moment the submit button is enabled, from inside the page.
    await page.addInitScript(() => {
      new MutationObserver(() => {
        const button = document.querySelector('[data-testid="create-card"]');
        if (button && !button.disabled && window.__interactiveAt === undefined) {
          window.__interactiveAt = performance.now();
        }
      }).observe(document, { subtree: true, childList: true, attributes: true });
    });
    await page.goto(`${base}/widget/frame?session=${encodeURIComponent(token)}`);
    await page.waitForSelector('[data-testid="create-card"]:not([disabled])');
    const timing = await page.evaluate(() => ({
      interactive: window.__interactiveAt,
      contentLoaded: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
    }));
    interactive.push(timing.interactive);
    contentLoaded.push(timing.contentLoaded);
    await context.close();
  }
  await browser.close();
  const ms = (value) => `${value.toFixed(0)} ms`;
  console.log(`widget time to interactive form (localhost, Chromium, cold cache, ${runs} runs):`);
  console.log(`  interactive:      median ${ms(median(interactive))}, min ${ms(Math.min(...interactive))}, max ${ms(Math.max(...interactive))}`);
  console.log(`  DOMContentLoaded: median ${ms(median(contentLoaded))}`);
} finally {
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
